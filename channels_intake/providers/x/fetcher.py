"""X media: the photo URL the payload carries, fetched with our user token where X needs it.

A tweet's photo (pbs.twimg.com) is public; a DM's photo (ton.twitter.com) is only served
to a participant of the conversation, so the request carries X_BEARER_TOKEN. The token
is only ever sent over https to X's own hosts (or to X_API_BASE's host), never to
another server a URL might name.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings

from channels_intake.providers.fetching import Fetched, PermanentFetchError, http_get

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia

X_HOSTS = ("twitter.com", "x.com", "twimg.com")


def _token_may_go_to(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host and host == urlsplit(settings.X_API_BASE).hostname:
        return True
    on_x = any(host == h or host.endswith("." + h) for h in X_HOSTS)
    return on_x and parts.scheme == "https"


def fetch(media: InboundMedia) -> Fetched:
    if not media.url:
        raise PermanentFetchError("The X media has no URL")
    headers = {}
    if settings.X_BEARER_TOKEN and _token_may_go_to(media.url):
        headers["Authorization"] = f"Bearer {settings.X_BEARER_TOKEN}"
    fetched = http_get(media.url, headers=headers)
    return Fetched(
        content=fetched.content,
        content_type=media.mime_type or fetched.content_type,
        filename=media.filename or posixpath.basename(urlsplit(media.url).path),
    )
