"""WhatsApp Business Cloud API webhook: the GET handshake and signed POST deliveries."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from complaints.models import Channel

from ..adapters import whatsapp
from ..normalized import PayloadError
from .common import bad_payload, bad_signature, not_configured, store_all, stored_response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        challenge = whatsapp.verify_subscription(request.GET, settings.WHATSAPP_VERIFY_TOKEN)
        if challenge is None:
            return HttpResponse("Forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")

    if not settings.WHATSAPP_APP_SECRET:
        # Never accept traffic we cannot authenticate; Meta retries for days.
        return not_configured("WHATSAPP_APP_SECRET")
    raw = request.body
    signature = request.headers.get(whatsapp.SIGNATURE_HEADER)
    if not whatsapp.verify_signature(raw, signature, settings.WHATSAPP_APP_SECRET):
        return bad_signature(whatsapp.SIGNATURE_HEADER)
    try:
        messages = whatsapp.parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    headers = {
        whatsapp.SIGNATURE_HEADER: signature or "",
        "Content-Type": request.headers.get("Content-Type", ""),
    }
    return stored_response(
        *store_all(channel=Channel.WHATSAPP, messages=messages, raw=raw, headers=headers)
    )
