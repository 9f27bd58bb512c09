"""Messenger and Instagram media: the attachment URL on Meta's CDN, fetched as is.

The URL is signed by Meta and expires (hours to days), which is why a worker fetches as
soon as the message is processed. It needs no token, so none is sent: the page access
token never travels to a CDN host.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from typing import TYPE_CHECKING

from channels_intake.providers.fetching import Fetched, PermanentFetchError, http_get

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia


def fetch(media: InboundMedia) -> Fetched:
    if not media.url:
        raise PermanentFetchError("The attachment has no URL to fetch")
    fetched = http_get(media.url)
    name = posixpath.basename(urllib.parse.urlsplit(media.url).path)
    return Fetched(
        content=fetched.content,
        content_type=fetched.content_type or media.mime_type,
        filename=media.filename or urllib.parse.unquote(name),
    )
