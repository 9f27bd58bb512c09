"""The audit trail (AuditEntry): sign-ins, lockouts, second factors, staff writes, sensitive reads.

Who, from which address (complaints.client_ip), what (the URL's name and its object),
when. Written by audit_record only; the middleware records every state-changing request
of a signed-in staff member and every view of a citizen's identity or a complaint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest, HttpResponse

from .client_ip import client_ip
from .models import AuditEntry, User

logger = logging.getLogger(__name__)

# GET pages that show a citizen's identity or a whole complaint: their reads are recorded.
SENSITIVE_VIEWS = frozenset(
    {"dashboard:complaint", "dashboard:reporter", "dashboard:reporters", "dashboard:reporter_merge"}
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TARGET_KWARGS = ("tracking_code", "reporter_id", "message_id", "object_id", "pk")


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    target: str = "",
    status_code: int | None = None,
) -> AuditEntry:
    """Append one entry; never raises into the request that caused it."""
    if user is not None and not user.is_authenticated:
        user = None
    meta = request.META if request is not None else {}
    return AuditEntry.objects.create(
        user=user,
        username=(username or (user.get_username() if user else ""))[:150],
        ip=(client_ip(request) or None) if request is not None else None,
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:255],
        action=action[:80],
        method=request.method[:8] if request is not None and request.method else "",
        path=request.path[:255] if request is not None else "",
        target=target[:120],
        status_code=status_code,
    )


def _is_staff_member(user: Any) -> bool:
    return bool(user.is_authenticated and (user.role or user.is_staff or user.is_superuser))


class AuditMiddleware:
    """Records staff writes (any non-GET) and reads of the SENSITIVE_VIEWS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if user is None or match is None or not _is_staff_member(user):
            return response
        name = match.view_name
        if request.method in _SAFE_METHODS and name not in SENSITIVE_VIEWS:
            return response
        if name in ("login", "logout"):
            return response  # the signals below record these with their outcome
        target = next((str(match.kwargs[k]) for k in _TARGET_KWARGS if k in match.kwargs), "")
        action = name if "action" not in match.kwargs else f"{name}:{match.kwargs['action']}"
        try:
            audit_record(
                action=action,
                request=request,
                user=user,
                target=target,
                status_code=response.status_code,
            )
        except Exception:  # an audit failure is logged, never turns a done action into a 500
            logger.exception("audit entry not written for %s", request.path)
        return response


def _on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(action="login", request=request, user=user)


def _on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="logout", request=request, user=user)


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        action="login_failed", request=request, username=str(credentials.get("username", ""))
    )


def _on_locked_out(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    audit_record(action="locked_out", request=request, username=username or "")


def connect_signals() -> None:
    """Called from ComplaintsConfig.ready(): Django announces sign-ins only by signals."""
    from axes.signals import user_locked_out

    from .session_idle import stamp_on_login

    user_logged_in.connect(stamp_on_login, dispatch_uid="session_idle_stamp")
    user_logged_in.connect(_on_login, dispatch_uid="audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="audit_locked_out")
