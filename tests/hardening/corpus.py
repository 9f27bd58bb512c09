"""Hostile bodies and the public entries they are thrown at (tests/hardening/).

Each entry is a path and a way to make its request authentic (a signature, a token, a
key), so an attack is tried both before authentication and, where it matters, after.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from channels_intake.providers.x import adapter as x
from tests.channels_intake import email_helpers, sms_helpers, telegram_helpers, whatsapp_helpers

META_SECRET = "test-meta-app-secret"
X_SECRET = "test-x-consumer-secret"


def _hub(raw: bytes, secret: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}"}


def _x(raw: bytes) -> dict[str, str]:
    return {x.SIGNATURE_HEADER: x.sign(raw, X_SECRET)}


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    # Headers that authenticate these exact bytes (empty for public entries).
    sign: Callable[[bytes], dict[str, str]] = field(default=lambda raw: {})
    # An HTML form redisplays itself with its errors (200) for input it cannot use.
    is_form: bool = False


ENTRIES = [
    Entry("public-api", "/api/v1/complaints/"),
    Entry("partner-api", "/api/v1/partner/complaints/"),
    Entry("web-form", "/aduan/baru/", is_form=True),
    Entry("track-lookup", "/lacak/", is_form=True),
    Entry("whatsapp", "/webhooks/whatsapp/", lambda raw: _hub(raw, whatsapp_helpers.APP_SECRET)),
    Entry("meta", "/webhooks/meta/", lambda raw: _hub(raw, META_SECRET)),
    Entry("x", "/webhooks/x/", _x),
    Entry(
        "telegram",
        "/webhooks/telegram/",
        lambda raw: {"X-Telegram-Bot-Api-Secret-Token": telegram_helpers.SECRET_TOKEN},
    ),
    Entry(
        "sms-gateway",
        "/webhooks/sms-gateway/",
        lambda raw: {"Authorization": f"Bearer {sms_helpers.GATEWAY_TOKEN}"},
    ),
    Entry("twilio", "/webhooks/twilio/"),
    Entry(
        "postmark",
        email_helpers.POSTMARK_URL,
        lambda raw: {"Authorization": email_helpers.basic_auth()},
    ),
    Entry("mailgun", email_helpers.MAILGUN_URL),
]


def configure_every_channel(settings) -> None:
    """Every webhook's secrets set (each answers 503 without them), one message per draft."""
    settings.WHATSAPP_APP_SECRET = whatsapp_helpers.APP_SECRET
    settings.META_APP_SECRET = META_SECRET
    settings.X_CONSUMER_SECRET = X_SECRET
    settings.TELEGRAM_SECRET_TOKEN = telegram_helpers.SECRET_TOKEN
    settings.TELEGRAM_BOT_TOKEN = telegram_helpers.BOT_TOKEN
    settings.SMS_GATEWAY_TOKEN = sms_helpers.GATEWAY_TOKEN
    settings.TWILIO_AUTH_TOKEN = sms_helpers.AUTH_TOKEN
    settings.ANYMAIL_WEBHOOK_SECRET = email_helpers.WEBHOOK_SECRET
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = email_helpers.SIGNING_KEY
    settings.CONVERSATION_WINDOW_SECONDS = 0


def deeply_nested(levels: int = 1000) -> bytes:
    """About 2 KB of JSON that makes Python's recursive parser raise RecursionError."""
    return b"[" * levels + b"]" * levels


def deeply_nested_object(levels: int = 1000) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


WRONG_TYPES: list[object] = [5, None, [], {}, "x", True, -1e308, [{"a": []}]]


def with_each_field_wrong(payload: dict) -> list[bytes]:
    """The payload with every top-level field, in turn, set to each wrong type."""
    return [
        json.dumps({**payload, key: wrong}).encode() for key in payload for wrong in WRONG_TYPES
    ]
