"""Per-key limits of partner systems: scopes (what a key may do) and a rate limit.

The rate limit is a fixed one-minute window counted in the cache (Redis in production,
CACHE_URL, so every web process shares it): simple, one cache round trip, and a partner
that bursts at a window's end gets at most twice its rate for a moment.
"""

from __future__ import annotations

import time

from django.core.cache import cache

from .models import PartnerKey

WINDOW_SECONDS = 60


def partner_rate_wait(partner: PartnerKey, *, now: float | None = None) -> int | None:
    """Count one request of `partner`; None when allowed, else seconds until it may retry."""
    limit = partner.rate_limit_per_minute
    if not limit:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"partner-rate:{partner.pk}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
