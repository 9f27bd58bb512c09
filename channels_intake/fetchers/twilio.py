"""Twilio MMS media: GET the MediaUrl, with basic auth only on Twilio's own API host.

Twilio answers a media URL with a redirect to its storage (a signed link). The account's
credentials go to api.twilio.com (needed when "HTTP Basic Authentication for media" is
on) but never follow the redirect: the storage host must not see them, and it refuses
a request that carries a second kind of authorization.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings

from ..senders.sms import basic_auth
from .base import (
    TIMEOUT_SECONDS,
    Fetched,
    PermanentFetchError,
    TemporaryFetchError,
    http_get,
    max_bytes,
)

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia

TWILIO_API = "https://api.twilio.com"


def is_twilio_api(url: str) -> bool:
    """Only these hosts get the credentials (a prefix match up to the path, not the host)."""
    bases = {settings.TWILIO_API_BASE.rstrip("/"), TWILIO_API}
    return any(url.startswith(base + "/") for base in bases)


def fetch_twilio_media(media: InboundMedia) -> Fetched:
    url = media.url
    if not url:
        raise PermanentFetchError("The media has no URL")
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if is_twilio_api(url) and sid and token:
        fetched = _get_with_credentials(url, basic_auth(sid, token))
    else:
        fetched = http_get(url)
    return Fetched(content=fetched.content, content_type=media.mime_type or fetched.content_type)


def _get_with_credentials(url: str, authorization: str) -> Fetched:
    """http_get, but the Authorization header is dropped on redirects (urllib's
    unredirected headers)."""
    limit = max_bytes()
    request = urllib.request.Request(url)  # noqa: S310 - the URL is Twilio's API
    request.add_unredirected_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PermanentFetchError(f"File of {declared} bytes is over the limit")
            content = response.read(limit + 1)
            content_type = response.headers.get_content_type()
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
