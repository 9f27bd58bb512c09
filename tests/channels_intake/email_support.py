"""Shared by the test_email_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import pytest

from channels_intake.models import InboundMessage

from .email_helpers import (
    SIGNING_KEY,
    WEBHOOK_SECRET,
)

State = InboundMessage.State
SITI_ID = "CAJx9Lq0W1sZ4Fq7Y8tLmD3kP2nR5vB6cX7hJ8gK9eQ@mail.example.id"
BUDI_ID = "CAGf8kZ2q9V0xLbT4n1Ya7RmP5c3WdE6uJhK0sN8oQ1rMzF=x@mail.example.id"


@pytest.fixture
def _email_settings(settings):
    settings.ANYMAIL_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = SIGNING_KEY
    settings.DEFAULT_FROM_EMAIL = "Sigap Kota Bandung <aduan@lapor.bandung.go.id>"
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"


def mime(raw: bytes) -> dict[str, str]:
    """Mailgun's "raw MIME" form (a route forwarding to a URL ending in `mime`)."""
    return {
        "recipient": "aduan@lapor.bandung.go.id",
        "sender": "budi.santoso@example.id",
        "body-mime": raw.decode(),
    }
