"""Shared by the test_meta_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from channels_intake.models import InboundMessage, OutboundMessage
from complaints.models import Channel

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
APP_SECRET = "test-meta-app-secret"
VERIFY_TOKEN = "test-meta-verify-token"
PAGE_TOKEN = "test-page-access-token"
URL = "/webhooks/meta/"
PAGE_ID = "104857600012345"
PSID = "6543210987654321"
IGSID = "5678901234567890"
COMMENT_ID = "901234567890123_445566778899001"
IG_COMMENT_ID = "17865432109876543"
State = InboundMessage.State
Sent = OutboundMessage.State


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


@pytest.fixture
def _meta_settings(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_PAGE_ACCESS_TOKEN = ""
    # Each chat message is submitted at once (no draft window) in these tests.
    settings.CONVERSATION_WINDOW_SECONDS = 0


class FakeGraphApi:
    """Plays graph.facebook.com: POST /v21.0/me/messages (scripted answers), GET /cdn/<file>."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self.files: dict[str, tuple[int, bytes, str]] = {}
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
                        "authorization": self.headers["Authorization"],
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(raw),
                    }
                )
                status, answer = (
                    api.script.pop(0)
                    if api.script
                    else (
                        200,
                        {"recipient_id": PSID, "message_id": f"m_OUT{len(api.requests)}"},
                    )
                )
                self._answer(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                api.requests.append(
                    {
                        "method": "GET",
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                    }
                )
                status, body, content_type = api.files.get(
                    self.path, (404, b"not found", "text/plain")
                )
                self._answer(status, body, content_type)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = f"{self.origin}/v21.0"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def posts(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph_api(settings):
    api = FakeGraphApi()
    settings.META_API_BASE = api.base
    settings.META_PAGE_ACCESS_TOKEN = PAGE_TOKEN
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    yield api
    api.stop()


def outbound(**fields) -> OutboundMessage:
    defaults = {
        "channel": Channel.FACEBOOK,
        "recipient": PSID,
        "body": "Sigap: laporan diterima.",
        "dedupe_key": "meta-test",
    }
    return OutboundMessage(**{**defaults, **fields})
