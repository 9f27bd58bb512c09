"""What every webhook view shares: the standard refusals and storing a delivery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.http import JsonResponse

from ..normalized import NormalizedMessage
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


def store_all(
    *,
    channel: str,
    messages: Iterable[NormalizedMessage],
    raw: bytes,
    headers: Mapping[str, str],
) -> tuple[int, int]:
    """Commit every message of one delivery (each in its own row); (received, new)."""
    received = created = 0
    for message in messages:
        _stored, is_new = inbound_store(channel=channel, message=message, body=raw, headers=headers)
        received += 1
        created += is_new
    return received, created


def stored_response(received: int, created: int) -> JsonResponse:
    return JsonResponse({"received": received, "new": created})
