"""What every fetcher shares: the result, the two kinds of failure, a bounded HTTP GET."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str = ""
    filename: str = ""


class FetchError(Exception):
    pass


class TemporaryFetchError(FetchError):
    """Worth another try: the network, a timeout, 429 or a 5xx."""


class PermanentFetchError(FetchError):
    """Another try would fail the same way: a 4xx, an expired link, a file too large."""


def max_bytes() -> int:
    return settings.INBOUND_MEDIA_MAX_MB * 1024 * 1024


def http_get(url: str, *, headers: Mapping[str, str] | None = None) -> Fetched:
    """GET `url` and read at most INBOUND_MEDIA_MAX_MB; errors mapped to the two kinds.

    `headers` (credentials) go to `url` only, never along a redirect: a provider that
    redirects to its storage (Twilio) must not hand our token to another host.
    """
    limit = max_bytes()
    request = urllib.request.Request(url)  # noqa: S310 - provider URLs
    for name, value in (headers or {}).items():
        request.add_unredirected_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PermanentFetchError(f"File of {declared} bytes is over the limit")
            content = response.read(limit + 1)
            content_type = response.headers.get_content_type() if response.headers else ""
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode(errors="replace")
        if error.code == 429 or error.code >= 500:
            raise TemporaryFetchError(f"HTTP {error.code}: {detail}") from error
        raise PermanentFetchError(f"HTTP {error.code}: {detail}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TemporaryFetchError(f"Network error: {error}") from error
    if len(content) > limit:
        raise PermanentFetchError(f"File is over {settings.INBOUND_MEDIA_MAX_MB} MB")
    return Fetched(content=content, content_type=content_type)
