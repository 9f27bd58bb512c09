"""Telegram deliveries as the Bot API makes them, and a local server playing the Bot API."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
SECRET_TOKEN = "sigap-Webhook_secret-7f3a9c"
BOT_TOKEN = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
URL = "/webhooks/telegram/"
CHAT_ID = 5012345678
PHOTO_PATH = "photos/file_7.jpg"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def post(client, raw: bytes, *, secret: str | None = SECRET_TOKEN):
    """POST like Telegram: compact JSON, the secret token header when the webhook has one."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(URL, data=raw, content_type="application/json", headers=headers)


class FakeBotApi:
    """The Bot API's methods and file server on 127.0.0.1, recording every request.

    /bot<token>/<method> answers {"ok": true, "result": ...} like Telegram unless a
    scripted answer for that method is queued; /file/bot<token>/<path> answers `files`.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: dict[str, list[tuple[int, Any]]] = {}
        self.files: dict[str, bytes] = {}
        self.sent = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self, body: bytes) -> tuple[str, str]:
                url = urllib.parse.urlsplit(self.path)
                parts = url.path.split("/")
                # ["", "bot<token>", method] or ["", "file", "bot<token>", *path]
                if parts[1] == "file":
                    token, method = parts[2].removeprefix("bot"), "file"
                    target = "/".join(parts[3:])
                else:
                    token, method, target = parts[1].removeprefix("bot"), parts[2], ""
                api.requests.append(
                    {
                        "method": method,
                        "http": self.command,
                        "path": url.path,
                        "token": token,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "json": json.loads(body) if body else None,
                    }
                )
                return method, target

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, body: bytes) -> None:
                method, target = self._record(body)
                queued = api.script.get(method) or []
                if queued:
                    status, answer = queued.pop(0)
                    return self._answer(status, json.dumps(answer).encode(), "application/json")
                if method == "file":
                    if target not in api.files:
                        answer = {"ok": False, "error_code": 404, "description": "Not Found"}
                        return self._answer(404, json.dumps(answer).encode(), "application/json")
                    return self._answer(200, api.files[target], "application/octet-stream")
                result = api.default(method, self.path, json.loads(body) if body else {})
                self._answer(200, json.dumps(result).encode(), "application/json")

            def do_GET(self) -> None:
                self._handle(b"")

            def do_POST(self) -> None:
                self._handle(self.rfile.read(int(self.headers["Content-Length"])))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def default(self, method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method == "sendMessage":
            self.sent += 1
            return {
                "ok": True,
                "result": {
                    "message_id": 900 + self.sent,
                    "from": {"id": 7123456789, "is_bot": True, "first_name": "Sigap"},
                    "chat": {"id": int(payload["chat_id"]), "type": "private"},
                    "date": 1714550500,
                    "text": payload["text"],
                },
            }
        if method == "getFile":
            file_id = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["file_id"][0]
            return {
                "ok": True,
                "result": {
                    "file_id": file_id,
                    "file_unique_id": "AQADq7wxG3",
                    "file_size": 98113,
                    "file_path": PHOTO_PATH,
                },
            }
        if method == "setWebhook":
            return {"ok": True, "result": True, "description": "Webhook was set"}
        return {"ok": False, "error_code": 404, "description": "Not Found"}

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == method]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
