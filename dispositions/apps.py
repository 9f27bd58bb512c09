"""Dispositions: routing rules, agency assignments, deadlines."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispositionsConfig(AppConfig):
    name = "dispositions"
    verbose_name = _("Dispositions and routing")

    def ready(self) -> None:
        from complaints import hooks

        from .tasks import enqueue_routing

        hooks.register(hooks.COMPLAINT_CREATED, enqueue_routing)
