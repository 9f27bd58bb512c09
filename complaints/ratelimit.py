"""Rate limits on the public entries, counted in Django's cache (Redis in production).

django-ratelimit does the counting (fixed windows, atomic increments in the cache); this
module only chooses the key (the client's address, or a target such as a username) and
says how long to wait.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_ratelimit.core import get_usage

from .client_ip import client_ip


def rate_limit_wait(
    request: HttpRequest, *, group: str, rate: str, target: str | None = None
) -> int | None:
    """Count one attempt at `group` by this client (or at `target`, e.g. a username);
    the seconds to wait when that is over `rate` ("30/h", "10/15m"), else None."""
    value = f"target:{target}" if target is not None else f"ip:{client_ip(request)}"
    usage = get_usage(
        request, group=group, key=lambda _group, _request: value, rate=rate, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))
