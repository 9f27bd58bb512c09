"""WhatsApp Business Cloud API webhook: the GET handshake and signed POST deliveries."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..adapters import whatsapp
from .common import meta_signed_webhook


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    return meta_signed_webhook(
        request,
        parse=whatsapp.parse,
        settings_prefix="WHATSAPP",
    )
