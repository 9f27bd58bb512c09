"""Shared by the test_conversations_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from channels_intake.models import Conversation
from channels_intake.tasks import submit_due_conversations

from .fake_provider import FakeProvider, json_answer
from .whatsapp_helpers import APP_SECRET, post

WA_ID = "6281234567890"
PHONE = "+6281234567890"
GPS_IFD = 0x8825


def payload(*messages: dict, wa_id: str = WA_ID) -> bytes:
    """One Cloud API delivery carrying `messages` from one citizen."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001708", "phone_number_id": "1122334455667"},
        "contacts": [{"profile": {"name": "Budi"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "timestamp": "1763780000", **message} for message in messages],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body, ensure_ascii=False).encode()


def text(wamid: str, body: str, **extra) -> dict:
    return {"id": wamid, "type": "text", "text": {"body": body}, **extra}


def image(wamid: str, media_id: str, caption: str = "") -> dict:
    body = {"mime_type": "image/jpeg", "sha256": "x", "id": media_id}
    if caption:
        body["caption"] = caption
    return {"id": wamid, "type": "image", "image": body}


def location(wamid: str) -> dict:
    return {
        "id": wamid,
        "type": "location",
        "location": {
            "latitude": -6.9147,
            "longitude": 107.6098,
            "name": "Jl. Merdeka",
            "address": "Bandung",
        },
    }


@pytest.fixture
def whatsapp(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.CONVERSATION_WINDOW_SECONDS = 300


@pytest.fixture
def graph(settings):
    """The Graph API's media endpoints: /{media-id} gives a URL, the URL gives the bytes."""
    provider = FakeProvider()
    files: dict[str, bytes] = {}
    provider.files = files

    def lookup(request):
        media_id = request.path.rsplit("/", 1)[-1]
        if media_id not in files:
            return json_answer({"error": {"message": "Unknown media", "code": 100}}, 404)
        return json_answer(
            {"url": f"{provider.base}/files/{media_id}", "mime_type": "image/jpeg", "id": media_id}
        )

    def download(request):
        return 200, "image/jpeg", files[request.path.rsplit("/", 1)[-1]]

    provider.routes[("GET", "/v21.0/")] = lookup
    provider.routes[("GET", "/files/")] = download
    settings.WHATSAPP_API_BASE = f"{provider.base}/v21.0"
    settings.WHATSAPP_ACCESS_TOKEN = "test-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = ""  # replies stay in the log: this is about intake
    yield provider
    provider.stop()


def deliver(client, capture, *messages: dict, wa_id: str = WA_ID):
    with capture(execute=True):
        response = post(client, payload(*messages, wa_id=wa_id))
    assert response.status_code == 200, response.content
    return response


def close_windows(capture) -> int:
    Conversation.objects.update(closes_at=timezone.now() - timedelta(seconds=1))
    with capture(execute=True):
        return submit_due_conversations()
