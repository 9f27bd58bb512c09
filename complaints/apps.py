"""Complaints: the core records, the lifecycle, the citizen's form and tracking page."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from .audit import connect_signals

        connect_signals()
