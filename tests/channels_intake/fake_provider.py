"""A local HTTP server that plays a provider's API: routes answer from Python functions.

Each route is (method, path prefix) → handler(request) → (status, content type, body).
Every request is recorded, so a test can check what our client sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


Answer = tuple[int, str, bytes]
Route = Callable[[Request], Answer]


def json_answer(data: object, status: int = 200) -> Answer:
    return status, "application/json", json.dumps(data).encode()


@dataclass
class FakeProvider:
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=self.path,
                    headers={k: v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                provider.requests.append(request)
                route = provider.route_for(request)
                status, content_type, body = (
                    route(request) if route else (404, "text/plain", b"no route")
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def route_for(self, request: Request) -> Route | None:
        matches = [
            (len(prefix), route)
            for (method, prefix), route in self.routes.items()
            if method == request.method and request.path.startswith(prefix)
        ]
        return max(matches, key=lambda m: m[0])[1] if matches else None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
