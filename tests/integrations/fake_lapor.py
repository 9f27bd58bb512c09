"""A local HTTP server playing the SP4N-LAPOR! API of docs/lapor.md.

It keeps what a real national system keeps: the reports it dispositioned to the city,
the updates it received (one per Idempotency-Key: a repeat is answered, not recorded)
and the reports forwarded to it. It can be stopped and started again on the same port,
as the national server going down and coming back.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

UPDATE_PATH = re.compile(r"^/api/v1/laporan/(?P<id>[\w.-]+)/tindak-lanjut$")


class FakeLapor:
    def __init__(self, token: str = "lapor-test-token") -> None:  # noqa: S107 - a test double
        self.token = token
        self.dispositions: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []  # recorded once per key
        self.seen_keys: set[str] = set()
        self.calls = 0
        self.forwarded: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def updates_for(self, tracking_id: str) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["tracking_id"] == tracking_id]

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._answer(401, {"error": "unauthorized"})
                    return False
                return True

            def do_GET(self) -> None:
                if not self._authorized():
                    return
                if self.path.startswith("/api/v1/disposisi"):
                    self._answer(200, {"items": fake.dispositions})
                else:
                    self._answer(404, {"error": "not found"})

            def do_POST(self) -> None:
                if not self._authorized():
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key", "")
                if not key:
                    self._answer(400, {"error": "Idempotency-Key required"})
                    return
                with fake.lock:
                    fake.calls += 1
                    repeat = key in fake.seen_keys
                    fake.seen_keys.add(key)
                    match = UPDATE_PATH.match(self.path)
                    if match:
                        if not repeat:
                            fake.updates.append({**body, "tracking_id": match["id"]})
                        self._answer(200 if repeat else 201, {"ok": True})
                    elif self.path == "/api/v1/laporan":
                        if not repeat:
                            fake.forwarded.append(body)
                        self._answer(201, {"tracking_id": f"LAPOR-FWD-{len(fake.forwarded)}"})
                    else:
                        self._answer(404, {"error": "not found"})

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def disposition(tracking_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "tracking_id": tracking_id,
        "title": "Jalan rusak",
        "content": "Jalan berlubang besar di Jl. Dago depan SDN 3, sudah dua minggu.",
        "category": "jalan-rusak",
        "area_code": "32.73.02.1004",
        "latitude": -6.8853,
        "longitude": 107.6131,
        "disposed_at": "2026-12-05T09:00:00+07:00",
        "is_anonymous": False,
        "is_secret": False,
        "reporter": {"name": "Andi", "phone": "081311112222"},
        **extra,
    }
