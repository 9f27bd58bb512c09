"""Telegram media: getFile, then the file server (reference §5).

GET {base}/bot{token}/getFile?file_id=… answers a file_path valid for at least an hour;
GET {base}/file/bot{token}/{file_path} answers the bytes (the Bot API serves at most
20 MB). The token sits in both URLs, so it is scrubbed from every error raised here.
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import urllib.parse
from typing import TYPE_CHECKING

from django.conf import settings

from channels_intake.providers.fetching import (
    Fetched,
    FetchError,
    PermanentFetchError,
    http_get,
    max_bytes,
)
from channels_intake.providers.telegram.sender import redact

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia


def _get(url: str, token: str) -> Fetched:
    try:
        return http_get(url)
    except FetchError as error:
        # Same kind (temporary or permanent), without the URL's token in its message.
        raise type(error)(redact(str(error), token)) from None


def fetch(media: InboundMedia) -> Fetched:
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise PermanentFetchError("TELEGRAM_BOT_TOKEN is not set; media cannot be fetched")
    base = settings.TELEGRAM_API_BASE.rstrip("/")
    query = urllib.parse.urlencode({"file_id": media.media_id})
    meta = _get(f"{base}/bot{token}/getFile?{query}", token)
    try:
        answer = json.loads(meta.content)
        info = answer["result"]
        file_path = info["file_path"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PermanentFetchError(f"getFile answered without a file_path: {exc!r}") from None
    size = info.get("file_size")
    if isinstance(size, int) and size > max_bytes():
        raise PermanentFetchError(f"File of {size} bytes is over the limit")
    fetched = _get(f"{base}/file/bot{token}/{urllib.parse.quote(file_path)}", token)
    # The file server answers application/octet-stream; the message and the path say more.
    guessed = mimetypes.guess_type(file_path)[0] or ""
    return Fetched(
        content=fetched.content,
        content_type=media.mime_type or guessed or fetched.content_type,
        filename=media.filename or posixpath.basename(file_path),
    )
