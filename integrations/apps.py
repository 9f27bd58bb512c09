from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from complaints import hooks

        from . import tasks  # noqa: F401 - registers the tasks services enqueue by name
        from .delivery import register_transport
        from .lapor.services import link_partner_complaint, send_lapor
        from .models import Delivery
        from .webhooks.events import on_complaint_created, on_complaint_transitioned
        from .webhooks.transport import send_webhook

        register_transport(Delivery.Kind.WEBHOOK, send_webhook)
        register_transport(Delivery.Kind.LAPOR, send_lapor)
        hooks.register(hooks.COMPLAINT_CREATED, link_partner_complaint)
        hooks.register(hooks.COMPLAINT_TRANSITIONED, _lapor_sync)
        hooks.register(hooks.COMPLAINT_CREATED, on_complaint_created)
        hooks.register(hooks.COMPLAINT_TRANSITIONED, on_complaint_transitioned)


def _lapor_sync(*, complaint_id: int, **_: object) -> None:
    """Hook: store a linked complaint's new updates now (the beat's scan is the net)."""
    from .lapor.services import lapor_sync_updates

    lapor_sync_updates(complaint_id=complaint_id)
