"""Idle expiry: a signed-in session ends SESSION_IDLE_MINUTES after its last request.

The last-seen time is written at most once a minute, so a page costs no session write
(SESSION_SAVE_EVERY_REQUEST would add one to every request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "sigap_last_seen"
_REFRESH_SECONDS = 60


def session_touch(request: HttpRequest) -> None:
    request.session[LAST_SEEN] = int(time.time())


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60:
                from .audit import audit_record

                audit_record(action="session_expired", request=request, user=request.user)  # type: ignore[arg-type]
                logout(request)  # the page then asks to sign in again, as for anyone
            elif last is None or now - last >= _REFRESH_SECONDS:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def stamp_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: start the idle clock with the session itself (no extra write later)."""
    if request is not None and hasattr(request, "session"):
        session_touch(request)
