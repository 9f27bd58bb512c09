"""Provider webhooks: verify, store, enqueue, answer. Nothing else happens in the request."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from complaints.models import Channel

from .adapters import whatsapp
from .services import inbound_store


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
        return JsonResponse(
            {"error": "WHATSAPP_APP_SECRET is not set; this endpoint accepts nothing."},
            status=503,
        )
    raw = request.body
    signature = request.headers.get(whatsapp.SIGNATURE_HEADER)
    if not whatsapp.verify_signature(raw, signature, settings.WHATSAPP_APP_SECRET):
        return JsonResponse({"error": "Missing or bad X-Hub-Signature-256."}, status=403)
    try:
        messages = whatsapp.parse(raw)
    except whatsapp.PayloadError as exc:
        return JsonResponse({"error": str(exc)}, status=400)

    headers = {
        whatsapp.SIGNATURE_HEADER: signature or "",
        "Content-Type": request.headers.get("Content-Type", ""),
    }
    created = 0
    for message in messages:
        _stored, is_new = inbound_store(
            channel=Channel.WHATSAPP,
            provider_message_id=message.provider_message_id,
            sender_id=message.sender_id,
            body=raw,
            headers=headers,
        )
        created += is_new
    return JsonResponse({"received": len(messages), "new": created})
