"""DRF glue for the per-key limits (channels_intake.limits): a scope permission and a
throttle whose 429 carries Retry-After."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ..limits import partner_rate_wait
from ..models import PartnerKey


class HasPartnerScope(BasePermission):
    """The view's `required_scope` must be among the key's scopes."""

    message = _("This API key may not do this: it lacks the scope.")

    def has_permission(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "required_scope", "")
        return isinstance(request.auth, PartnerKey) and request.auth.has_scope(scope)


class PartnerKeyThrottle(BaseThrottle):
    """The key's requests per minute; DRF answers 429 with Retry-After."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, PartnerKey):
            return True
        self._wait = partner_rate_wait(request.auth)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
