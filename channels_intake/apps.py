"""Channels: the raw inbox, provider webhooks and adapters, and replies on the same channel."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsIntakeConfig(AppConfig):
    name = "channels_intake"
    verbose_name = _("Channels intake")

    def ready(self) -> None:
        from anymail.signals import inbound

        from complaints import hooks

        from . import tasks  # noqa: F401 - registers the tasks services enqueue by name
        from .hooks import on_complaint_created, on_complaint_transitioned
        from .providers.email.webhook import on_inbound_email

        hooks.register(hooks.COMPLAINT_CREATED, on_complaint_created)
        hooks.register(hooks.COMPLAINT_TRANSITIONED, on_complaint_transitioned)
        # Mail that django-anymail verified and parsed goes to the inbox like any delivery.
        inbound.connect(on_inbound_email, dispatch_uid="channels_intake.inbound_email")
