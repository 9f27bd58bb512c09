"""Provider webhooks, mounted under /webhooks/."""

from django.urls import path

from . import views

app_name = "channels_intake"

urlpatterns = [
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp"),
]
