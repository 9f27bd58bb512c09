"""Provider webhooks, mounted under /webhooks/ (the deployment contract, README "Channels")."""

from django.urls import include, path

from .webhooks.email import email_urlpatterns
from .webhooks.meta import meta_webhook
from .webhooks.sms_gateway import sms_gateway_webhook
from .webhooks.telegram import telegram_webhook
from .webhooks.twilio import twilio_webhook
from .webhooks.whatsapp import whatsapp_webhook
from .webhooks.x import x_webhook

app_name = "channels_intake"

urlpatterns = [
    path("whatsapp/", whatsapp_webhook, name="whatsapp"),
    path("telegram/", telegram_webhook, name="telegram"),
    path("x/", x_webhook, name="x"),
    path("twilio/", twilio_webhook, name="twilio"),
    path("sms-gateway/", sms_gateway_webhook, name="sms_gateway"),
    path("meta/", meta_webhook, name="meta"),
    path("email/", include((email_urlpatterns(), "email"))),
]
