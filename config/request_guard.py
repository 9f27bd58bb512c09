"""One guard in front of every view: refuse bodies too large or JSON nested too deep (4xx).

Python's json module recurses once per nesting level, so a 2 KB body nested 1,000 levels
deep raised RecursionError (a 500) from every JSON endpoint, some before authentication.
Rather than a patch per view, this middleware looks at the raw bytes before any parser
does: a body over its size limit is a 413, JSON deeper than REQUEST_MAX_JSON_DEPTH a 400,
both with a JSON reason. Limits are in config/settings.py and docs/hardening.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

try:  # psycopg's pool, when PostgreSQL is used: all connections busy or none reachable
    from psycopg_pool import PoolTimeout
except ImportError:  # pragma: no cover - psycopg is pinned in requirements.txt
    PoolTimeout = OperationalError  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)

# A JSON string (with its escapes) or one bracket: strings are skipped whole, so a "[" in
# a text does not count as nesting.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True when `body`, read as JSON, nests arrays/objects deeper than `limit`.

    Cheap on ordinary bodies: fewer brackets than the limit cannot nest past it, and the
    scan is a C regex that yields only strings and brackets.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKEN.finditer(body):
        char = match.group()[0]
        if char in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif char != 0x22:  # a closing bracket; 0x22 is '"', a skipped string
            depth = max(0, depth - 1)
    return False


def too_deep_response(limit: int) -> JsonResponse:
    return JsonResponse(
        {"error": f"The JSON body nests deeper than {limit} levels.", "code": "too_deep"},
        status=400,
    )


def too_large_response(length: int, limit: int) -> JsonResponse:
    return JsonResponse(
        {
            "error": f"The body is {length} bytes; this address accepts at most {limit}.",
            "code": "too_large",
        },
        status=413,
    )


def body_limit(request: HttpRequest) -> int:
    """The largest body this request may carry: uploads get room for their photos, the
    email webhooks their own limit (Postmark posts whole messages as JSON), the rest the
    form-sized DATA_UPLOAD_MAX_MEMORY_SIZE."""
    for prefix, limit in settings.REQUEST_BODY_LIMITS.items():
        if request.path.startswith(prefix):
            return limit
    if (request.META.get("CONTENT_TYPE") or "").startswith("multipart/form-data"):
        return settings.REQUEST_MAX_UPLOAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.REQUEST_MAX_UPLOAD_BYTES


def _looks_like_json(request: HttpRequest, body: bytes) -> bool:
    content_type = request.META.get("CONTENT_TYPE") or ""
    return "json" in content_type or body.lstrip()[:1] in (b"{", b"[")


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refusal(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    @staticmethod
    def refusal(request: HttpRequest) -> HttpResponse | None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        raw_length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw_length)
        except ValueError:
            return JsonResponse({"error": "Content-Length is not a number."}, status=400)
        limit = body_limit(request)
        if length > limit:
            return too_large_response(length, limit)
        content_type = request.META.get("CONTENT_TYPE") or ""
        if length == 0 or content_type.startswith("multipart/form-data"):
            return None
        memory_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if memory_limit is not None and length > memory_limit:
            # Allowed by a larger path limit (the email webhooks): the view reads the body
            # after authenticating and checks its depth then (json_depth_exceeds).
            return None
        body = request.body
        depth = settings.REQUEST_MAX_JSON_DEPTH
        if _looks_like_json(request, body) and json_depth_exceeds(body, depth):
            return too_deep_response(depth)
        return None


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (restarting, failing over, its pool exhausted)
    is a 503 with a reason and Retry-After, never a traceback page; the client or the
    provider tries again. Errors in the SQL itself are not caught here: they are bugs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError | PoolTimeout):
            return None
        logger.warning("Database unavailable for %s: %r", request.path, exception)
        response = JsonResponse(
            {
                "error": "The database is unavailable for a moment; please try again.",
                "code": "database_unavailable",
            },
            status=503,
        )
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        return response
