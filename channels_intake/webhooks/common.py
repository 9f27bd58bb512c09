"""What every webhook view shares: the standard refusals and storing a delivery."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from ..adapters.whatsapp import SIGNATURE_HEADER, verify_signature, verify_subscription
from ..normalized import NormalizedMessage, PayloadError
from ..services import inbound_store


def not_configured(*settings_names: str) -> JsonResponse:
    """503: the channel's secrets are unset, so nothing can be authenticated or accepted."""
    names = ", ".join(settings_names)
    return JsonResponse(
        {"error": f"This channel is not configured ({names} unset); it accepts nothing."},
        status=503,
    )


def bad_signature(header: str) -> JsonResponse:
    return JsonResponse({"error": f"Missing or bad {header}."}, status=403)


def bad_payload(reason: object) -> JsonResponse:
    return JsonResponse({"error": str(reason)}, status=400)


class StaleDelivery(PayloadError):
    """A signed delivery stamped outside the accepted window: a replay (answered 400)."""


def stale_reason(stamp: float | None, what: str) -> str | None:
    """Why a delivery stamped `stamp` (epoch seconds) is refused as a replay, or None.

    A signature proves who sent the bytes, not when: a captured delivery replayed months
    later would otherwise be taken as new (a message never stored before is not a
    redelivery). Providers stop retrying after days (Meta: 7, Mailgun: 8 hours), so
    INBOUND_MAX_AGE_HOURS (0 = off) is longer than any honest retry.
    """
    hours = settings.INBOUND_MAX_AGE_HOURS
    if not hours or stamp is None:
        return None
    now = time.time()
    if now - hours * 3600 <= stamp <= now + settings.INBOUND_MAX_CLOCK_SKEW_SECONDS:
        return None
    return f"{what} is stamped {int(stamp)}, outside the accepted window of {hours} hours."


def stale_response(reason: object) -> JsonResponse:
    return JsonResponse({"error": str(reason), "code": "stale"}, status=400)


def stale_refusal(messages: Sequence[NormalizedMessage]) -> JsonResponse | None:
    """400 when a signed delivery carries a message stamped too long ago or ahead."""
    for message in messages:
        reason = stale_reason(message.timestamp, f"Message {message.provider_message_id!r}")
        if reason is not None:
            return stale_response(reason)
    return None


def store_all(
    *, messages: Iterable[NormalizedMessage], raw: bytes, headers: Mapping[str, str]
) -> tuple[int, int]:
    """Commit every message of one delivery (each in its own row, under its own channel);
    (received, new)."""
    received = created = 0
    for message in messages:
        _stored, is_new = inbound_store(
            channel=message.channel, message=message, body=raw, headers=headers
        )
        received += 1
        created += is_new
    return received, created


def stored_response(received: int, created: int) -> JsonResponse:
    return JsonResponse({"received": received, "new": created})


def meta_signed_webhook(
    request: HttpRequest,
    *,
    parse: Callable[[bytes], list[NormalizedMessage]],
    settings_prefix: str,
) -> HttpResponse:
    """Meta's webhook protocol, shared by WhatsApp and the Page/Instagram app.

    GET is the subscription handshake (echo hub.challenge when hub.verify_token matches
    <prefix>_VERIFY_TOKEN); POST is a delivery signed with X-Hub-Signature-256 over the raw
    bytes with <prefix>_APP_SECRET.
    """
    app_secret_name = f"{settings_prefix}_APP_SECRET"
    app_secret = getattr(settings, app_secret_name)
    verify_token = getattr(settings, f"{settings_prefix}_VERIFY_TOKEN")
    if request.method == "GET":
        challenge = verify_subscription(request.GET, verify_token)
        if challenge is None:
            return HttpResponse("Forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")
    if not app_secret:
        # Never accept traffic we cannot authenticate; Meta retries for days.
        return not_configured(app_secret_name)
    raw = request.body
    signature = request.headers.get(SIGNATURE_HEADER)
    if not verify_signature(raw, signature, app_secret):
        return bad_signature(SIGNATURE_HEADER)
    try:
        messages = parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    stale = stale_refusal(messages)
    if stale is not None:
        return stale
    headers = {
        SIGNATURE_HEADER: signature or "",
        "Content-Type": request.headers.get("Content-Type", ""),
    }
    return stored_response(*store_all(messages=messages, raw=raw, headers=headers))
