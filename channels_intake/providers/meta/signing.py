"""Meta's webhook protocol, shared by WhatsApp and the Facebook Page / Instagram app.

Both apps sign deliveries with X-Hub-Signature-256 (HMAC-SHA256 of the raw body under
the app secret) and subscribe with the same GET handshake, so both providers' webhooks
are this one view with their own settings prefix and parser.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from channels_intake.normalized import NormalizedMessage, PayloadError
from channels_intake.providers.webhooks import (
    bad_payload,
    bad_signature,
    not_configured,
    stale_refusal,
    store_all,
    stored_response,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"


def verify_subscription(query: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo for Meta's GET handshake, or None (answer 403)."""
    if not verify_token or query.get("hub.mode") != "subscribe":
        return None
    given = query.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return query.get("hub.challenge", "")


def sign(raw_body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends for these exact bytes."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """True when `header` is the HMAC-SHA256 of the raw body under the app secret."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(header.strip().lower().encode(), sign(raw_body, app_secret).encode())


def signed_webhook(
    request: HttpRequest,
    *,
    provider: str,
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
    return stored_response(
        *store_all(provider=provider, messages=messages, raw=raw, headers=headers)
    )
