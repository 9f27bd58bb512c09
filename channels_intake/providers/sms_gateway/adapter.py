"""A generic SMS gateway (Indonesian aggregators, Kannel, DartMedia-style forwarders).

Gateways differ in names, not in substance: each forwards a sender, a text and its own
message id, by GET or POST, as a form or JSON, authenticated by a shared token. The view
collects the parameters; `canonical_body` picks the three fields by their usual aliases
and returns the canonical raw body that is stored, and `parse` reads that body back.

The canonical body is UTF-8 JSON:
    {"format": "sigap-sms-gateway/1", "id": ..., "sender": ..., "message": ...,
     "params": {every other parameter the gateway sent, except secrets}}
Pure functions: no database and no routing here.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from channels_intake.normalized import Kind, NormalizedMessage, PayloadError
from channels_intake.providers.twilio.adapter import e164, report_text
from complaints.models import Channel

FORMAT = "sigap-sms-gateway/1"
TOKEN_HEADER = "X-Gateway-Token"  # noqa: S105 - a header name, not a secret
# The first alias present wins. "original"/"messageid" are DartMedia's names (reference §3.5).
SENDER_ALIASES = ("sender", "from", "msisdn", "phone", "original")
MESSAGE_ALIASES = ("message", "text", "msg", "body")
ID_ALIASES = ("id", "message_id", "msgid", "sms_id", "messageid")
# Never stored: our token and an aggregator's own credentials.
SECRET_PARAMS = frozenset({"token", "password", "pass", "secret", "api_key", "apikey"})
# Gateway ids share the SMS channel's inbox with Twilio's MessageSids; the prefix keeps
# a gateway's "12345" from ever meeting another provider's id.
ID_PREFIX = "gw:"

__all__ = ["FORMAT", "PayloadError", "canonical_body", "parse", "verify_token"]


def verify_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of the shared token; False while none is configured."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _pick(params: Mapping[str, str], aliases: tuple[str, ...]) -> str:
    for name in aliases:
        value = (params.get(name) or "").strip()
        if value:
            return value
    return ""


def canonical_body(params: Mapping[str, Any]) -> bytes:
    """The body to store for one forwarded SMS; PayloadError names the missing field."""
    flat = {str(k).lower(): text for k, v in params.items() if (text := _scalar(v)) is not None}
    sender = _pick(flat, SENDER_ALIASES)
    message = _pick(flat, MESSAGE_ALIASES)
    message_id = _pick(flat, ID_ALIASES)
    missing = [
        f"{name} (or {', '.join(aliases[1:])})"
        for name, aliases, value in (
            ("sender", SENDER_ALIASES, sender),
            ("message", MESSAGE_ALIASES, message),
            ("id", ID_ALIASES, message_id),
        )
        if not value
    ]
    if missing:
        raise PayloadError(f"Missing {'; '.join(missing)}.")
    used = set(SENDER_ALIASES + MESSAGE_ALIASES + ID_ALIASES)
    rest = {k: v for k, v in sorted(flat.items()) if k not in used and k not in SECRET_PARAMS}
    body = {"format": FORMAT, "id": message_id, "sender": sender, "message": message}
    body["params"] = rest
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode()


def _scalar(value: Any) -> str | None:
    """A parameter as text; nested JSON values are not SMS fields and are left out."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    """The one SMS of a canonical body (see the module docstring)."""
    try:
        body = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"The stored gateway body is not JSON: {exc}") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise PayloadError(f"The body is not a {FORMAT} body.")
    try:
        sender, text, message_id = str(body["sender"]), str(body["message"]), str(body["id"])
    except KeyError as exc:
        raise PayloadError(f"The gateway body lacks {exc}.") from None
    phone = e164(sender)
    identity = phone or sender
    return [
        NormalizedMessage(
            channel=Channel.SMS,
            provider_message_id=ID_PREFIX + message_id,
            kind=Kind.MESSAGE,
            sender_id=identity,
            sender_phone=phone,
            reply_address=identity,
            message_type="text",
            text=report_text(text),
        )
    ]
