"""What every webhook view shares: the standard refusals and storing a delivery."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.http import JsonResponse

from channels_intake.inbox import inbound_store
from channels_intake.normalized import NormalizedMessage, PayloadError


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
    *,
    provider: str,
    messages: Iterable[NormalizedMessage],
    raw: bytes,
    headers: Mapping[str, str],
) -> tuple[int, int]:
    """Commit every message of one delivery (each in its own row, under its own channel);
    (received, new)."""
    received = created = 0
    for message in messages:
        _stored, is_new = inbound_store(
            channel=message.channel, provider=provider, message=message, body=raw, headers=headers
        )
        received += 1
        created += is_new
    return received, created


def stored_response(received: int, created: int) -> JsonResponse:
    return JsonResponse({"received": received, "new": created})
