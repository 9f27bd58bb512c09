"""Replays Twilio forms as Twilio sends them (signed by twilio's own RequestValidator) and a
local HTTP server that plays the providers' APIs (Twilio's Messages API and media, a gateway)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.http import QueryDict
from twilio.request_validator import RequestValidator

FIXTURES = Path(__file__).parent / "fixtures" / "twilio"
AUTH_TOKEN = "test-twilio-auth-token"
ACCOUNT_SID = "AC1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c"
FROM_NUMBER = "+6281100001708"
PUBLIC_BASE = "https://lapor.bandung.go.id"
PATH = "/webhooks/twilio/"
PUBLIC_URL = PUBLIC_BASE + PATH
GATEWAY_PATH = "/webhooks/sms-gateway/"
GATEWAY_TOKEN = "test-gateway-token"
CITIZEN = "+6281234567890"
SMS_SID = "SM7f2c8a1e4b6d9f0a3c5e7b9d1f3a5c7e"
MMS_SID = "MM3a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.txt").read_bytes()


def twilio_signature(raw: bytes, url: str = PUBLIC_URL, token: str = AUTH_TOKEN) -> str:
    """What Twilio puts in X-Twilio-Signature, computed by twilio's own library."""
    return RequestValidator(token).compute_signature(url, QueryDict(raw.decode()))


def post_twilio(
    client,
    raw: bytes,
    *,
    signature: str | None = None,
    sign_url: str = PUBLIC_URL,
    query: str = "",
    **extra,
):
    """POST a form to the webhook, signed for `sign_url` unless a signature is given."""
    headers = {"X-Twilio-Signature": signature or twilio_signature(raw, sign_url)}
    path = f"{PATH}?{query}" if query else PATH
    return client.post(
        path,
        data=raw,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
        **extra,
    )


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(QueryDict(self.body.decode()).items())

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class FakeProvider:
    """A local HTTP server: records every request and answers from `script` (in order),
    else from `default(request)`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: list[Answer] = []
        self.routes: dict[str, Answer] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                provider.requests.append(recorded)
                answer = provider.answer_for(recorded)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def answer_for(self, request: Recorded) -> Answer:
        if request.path in self.routes:
            return self.routes[request.path]
        if self.script:
            return self.script.pop(0)
        if request.path.endswith("/Messages.json"):
            sid = f"SM{len(self.requests):032x}"
            return Answer(201, json.dumps({"sid": sid, "status": "queued"}).encode())
        return Answer(200, json.dumps({"id": f"gw-{len(self.requests)}"}).encode())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
