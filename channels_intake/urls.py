"""Provider webhooks, mounted under /webhooks/ (the deployment contract, README "Channels")."""

from django.urls import path

from .webhooks.meta import meta_webhook
from .webhooks.whatsapp import whatsapp_webhook

app_name = "channels_intake"

urlpatterns = [
    path("whatsapp/", whatsapp_webhook, name="whatsapp"),
    path("meta/", meta_webhook, name="meta"),
]
