"""WhatsApp Business Cloud API webhook: the GET handshake and signed POST deliveries."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_intake.providers.meta.signing import signed_webhook
from channels_intake.providers.whatsapp import adapter as whatsapp


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    return signed_webhook(
        request, provider="whatsapp", parse=whatsapp.parse, settings_prefix="WHATSAPP"
    )


urlpatterns = [path("whatsapp/", whatsapp_webhook, name="whatsapp")]
