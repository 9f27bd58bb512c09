"""X (Twitter) Account Activity API webhook: the CRC (GET) and signed deliveries (POST)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_intake.normalized import PayloadError
from channels_intake.providers.webhooks import (
    bad_payload,
    bad_signature,
    not_configured,
    stale_refusal,
    store_all,
    stored_response,
)
from channels_intake.providers.x import adapter as x


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.X_CONSUMER_SECRET
    if not secret:
        # Without the secret we can neither pass the CRC nor authenticate a delivery.
        return not_configured("X_CONSUMER_SECRET")

    if request.method == "GET":
        # X's challenge-response check: at registration, then periodically. A failed one
        # marks the webhook invalid and stops deliveries, so it must answer within 3 s.
        crc_token = request.GET.get("crc_token")
        if not crc_token:
            return bad_payload("crc_token is missing.")
        return JsonResponse({"response_token": x.crc_response_token(crc_token, secret)})

    raw = request.body
    signature = request.headers.get(x.SIGNATURE_HEADER)
    if not x.verify_signature(raw, signature, secret):
        return bad_signature(x.SIGNATURE_HEADER)
    try:
        messages = x.parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    stale = stale_refusal(messages)
    if stale is not None:
        return stale
    headers = {
        x.SIGNATURE_HEADER: signature or "",
        "Content-Type": request.headers.get("Content-Type", ""),
    }
    return stored_response(*store_all(provider="x", messages=messages, raw=raw, headers=headers))


urlpatterns = [path("x/", x_webhook, name="x")]
