"""WhatsApp media: the two-step Graph flow (reference §1.5).

GET {base}/{media-id} answers a short-lived URL (it expires within minutes, which is why
a worker fetches as soon as the message is processed); GET that URL with the same bearer
token answers the bytes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings

from channels_intake.providers.fetching import Fetched, PermanentFetchError, http_get

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia


def fetch(media: InboundMedia) -> Fetched:
    token = settings.WHATSAPP_ACCESS_TOKEN
    if not token:
        raise PermanentFetchError("WHATSAPP_ACCESS_TOKEN is not set; media cannot be fetched")
    auth = {"Authorization": f"Bearer {token}"}
    meta = http_get(f"{settings.WHATSAPP_API_BASE}/{media.media_id}", headers=auth)
    try:
        info = json.loads(meta.content)
        url = info["url"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PermanentFetchError(f"Media lookup answered without a URL: {exc!r}") from None
    fetched = http_get(url, headers=auth)
    return Fetched(
        content=fetched.content,
        content_type=info.get("mime_type") or fetched.content_type,
    )
