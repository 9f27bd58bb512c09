"""Shared by the test_x_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from channels_intake.models import InboundMessage, OutboundMessage

FIXTURES = Path(__file__).parent / "fixtures" / "x"
SECRET = "test-consumer-secret"
TOKEN = "test-user-access-token"
URL = "/webhooks/x/"
OUR_ID = "1501234567890123456"
BUDI = "123456789"
MENTION_ID = "1785600000000000000"
DM_ID = "1638290192839218391"
MENTION_TEXT = "jalan di depan Pasar Kosambi berlubang parah 😡 tolong diperbaiki & dicek"
State = InboundMessage.State
Out = OutboundMessage.State


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def x_signature(raw: bytes, secret: str = SECRET) -> str:
    """Written out here, independent of the adapter: sha256= + base64 of the HMAC digest."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def post(client, raw: bytes, *, sign_with: str | None = SECRET, header: str | None = None):
    headers = {}
    if header is not None:
        headers["x-twitter-webhooks-signature"] = header
    elif sign_with is not None:
        headers["x-twitter-webhooks-signature"] = x_signature(raw, sign_with)
    return client.post(URL, data=raw, content_type="application/json", headers=headers)


@pytest.fixture
def _x_settings(settings):
    settings.X_CONSUMER_SECRET = SECRET
    settings.X_BEARER_TOKEN = ""
    # Each message is its own complaint at once (no chat draft to wait for).
    settings.CONVERSATION_WINDOW_SECONDS = 0


class FakeXApi:
    """Plays api.x.com (POST /2/tweets, POST /2/dm_conversations/...) and a media host."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(raw),
                    }
                )
                if api.script:
                    status, answer = api.script.pop(0)
                elif self.path == "/2/tweets":
                    status, answer = 201, {"data": {"id": f"17900000000000000{len(api.requests)}"}}
                else:
                    n = len(api.requests)
                    answer = {"data": {"dm_conversation_id": "c", "dm_event_id": f"16400{n}"}}
                    status = 201
                self._answer(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                api.requests.append(
                    {
                        "method": "GET",
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                if api.script:
                    status, answer = api.script.pop(0)
                    self._answer(status, json.dumps(answer).encode(), "application/json")
                elif self.path in api.files:
                    content_type, content = api.files[self.path]
                    self._answer(200, content, content_type)
                else:
                    self._answer(404, b'{"errors":[{"message":"Not found"}]}', "application/json")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def x_api(settings):
    api = FakeXApi()
    settings.X_API_BASE = api.base
    settings.X_BEARER_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    yield api
    api.stop()
