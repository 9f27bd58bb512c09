"""Provider webhooks, mounted under /webhooks/ (the deployment contract, README "Channels")."""

from django.urls import path

from .webhooks.telegram import telegram_webhook
from .webhooks.whatsapp import whatsapp_webhook
from .webhooks.x import x_webhook

app_name = "channels_intake"

urlpatterns = [
    path("whatsapp/", whatsapp_webhook, name="whatsapp"),
    path("telegram/", telegram_webhook, name="telegram"),
    path("x/", x_webhook, name="x"),
]
