"""Shared by the test_outbox_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels_intake import messages, outbox
from channels_intake.models import OutboundMessage
from complaints.models import Complaint
from complaints.services import complaint_create

PHONE_ID = "1122334455667"
TOKEN = "test-access-token"
CITIZEN = "+6281234567890"
State = OutboundMessage.State


class FakeCloudApi:
    """POST /v21.0/{phone_id}/messages: records each request, answers from a script."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(raw),
                    }
                )
                status, answer = (
                    api.script.pop(0)
                    if api.script
                    else (200, {"messages": [{"id": f"wamid.X{len(api.requests)}"}]})
                )
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloud_api(settings):
    api = FakeCloudApi()
    settings.WHATSAPP_API_BASE = api.base
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_ID
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    yield api
    api.stop()


def whatsapp_complaint(**extra) -> Complaint:
    return complaint_create(
        channel="whatsapp", text="Ada masalah di depan rumah", reporter_phone=CITIZEN, **extra
    )


def enqueue(body: str = "Sigap: uji", key: str = "k1", complaint=None) -> OutboundMessage:
    return outbox.outbound_enqueue(
        channel="whatsapp",
        recipient=CITIZEN,
        body=body,
        dedupe_key=key,
        complaint=complaint,
        template_name=messages.WHATSAPP_TEMPLATE,
        template_params=[body],
    )


def row(key: str, **extra) -> OutboundMessage:
    """A message as the outbox stores it, made without enqueueing its send."""
    return OutboundMessage.objects.create(
        channel="whatsapp",
        recipient=CITIZEN,
        body="x",
        dedupe_key=key,
        template_name=messages.WHATSAPP_TEMPLATE,
        template_params=["x"],
        **extra,
    )
