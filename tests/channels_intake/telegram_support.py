"""Shared by the test_telegram_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from channels_intake.models import InboundMessage

from .telegram_helpers import (
    BOT_TOKEN,
    SECRET_TOKEN,
    FakeBotApi,
)

State = InboundMessage.State


@pytest.fixture
def _telegram_settings(settings):
    settings.TELEGRAM_SECRET_TOKEN = SECRET_TOKEN
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    # Chat drafts: 0 submits each message at once, so one message is one complaint.
    settings.CONVERSATION_WINDOW_SECONDS = 0
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"


@pytest.fixture
def bot_api(settings):
    api = FakeBotApi()
    settings.TELEGRAM_API_BASE = api.base
    yield api
    api.stop()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, "JPEG")
    return buffer.getvalue()
