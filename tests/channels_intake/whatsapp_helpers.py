"""Replays WhatsApp fixtures the way Meta sends them: the stored bytes, signed over those bytes."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
URL = "/webhooks/whatsapp/"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signature(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post(client, raw: bytes, *, sign_with: str | None = APP_SECRET, header: str | None = None):
    headers = {}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    elif sign_with is not None:
        headers["X-Hub-Signature-256"] = signature(raw, sign_with)
    return client.post(URL, data=raw, content_type="application/json", headers=headers)
