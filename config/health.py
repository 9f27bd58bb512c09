"""/healthz: is the database answering, is the broker reachable. JSON, 200 or 503."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


_broker_lock = threading.Lock()
_broker_checked: dict[str, float | str] = {"at": float("-inf"), "state": ""}


def _broker_state() -> str:
    """The broker's state, checked at most once per HEALTHZ_BROKER_CHECK_SECONDS per process.

    Under the lock, so a burst of polls makes one connection, not one per thread.
    """
    with _broker_lock:
        now = time.monotonic()
        if now - float(_broker_checked["at"]) < settings.HEALTHZ_BROKER_CHECK_SECONDS:
            return str(_broker_checked["state"])
        state = _connect_to_broker()
        _broker_checked.update(at=time.monotonic(), state=state)
        return state


def _connect_to_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    state = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(value == "ok" for value in state.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **state}, status=200 if healthy else 503
    )
