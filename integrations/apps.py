from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from complaints import hooks

        from .delivery import register_transport
        from .models import Delivery
        from .webhooks.events import on_complaint_created, on_complaint_transitioned
        from .webhooks.transport import send_webhook

        register_transport(Delivery.Kind.WEBHOOK, send_webhook)
        hooks.register(hooks.COMPLAINT_CREATED, on_complaint_created)
        hooks.register(hooks.COMPLAINT_TRANSITIONED, on_complaint_transitioned)
