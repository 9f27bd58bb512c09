"""The client's address, as far as the proxies we trust can vouch for it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the address the outermost
    of them saw (the N-th entry from the right of X-Forwarded-For).

    Each proxy appends the address it received the request from, so only the last N
    entries were written by our own proxies; anything left of them is whatever the client
    sent and proves nothing. With the default 0 the header is ignored entirely, so a
    forged X-Forwarded-For cannot buy a fresh rate-limit bucket.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        # Fewer entries than proxies: the request skipped a proxy; trust only the socket.
        return remote
    return forwarded[-count]
