"""Provider webhooks, mounted under /webhooks/ (the deployment contract, README "Channels")."""

from django.urls import include, path

from .webhooks.email import email_urlpatterns
from .webhooks.whatsapp import whatsapp_webhook

app_name = "channels_intake"

urlpatterns = [
    path("whatsapp/", whatsapp_webhook, name="whatsapp"),
    path("email/", include((email_urlpatterns(), "email"))),
]
