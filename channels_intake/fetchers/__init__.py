"""Per-channel media fetchers: provider handle or URL in, file bytes out.

FETCHERS maps a channel to `fetch(media: InboundMedia) -> Fetched`. A fetcher raises
TemporaryFetchError (network, timeout, 429, 5xx: retried with backoff) or
PermanentFetchError (a 4xx, an expired link, a file too large: the media is marked
failed and staff see why). channels_intake.media runs them in workers, validates and
strips what they return, and attaches images to the complaint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from complaints.models import Channel

from .base import Fetched, PermanentFetchError, TemporaryFetchError, http_get
from .email import fetch_email_attachment
from .meta import fetch_meta_media
from .telegram import fetch_telegram_media
from .twilio import fetch_twilio_media
from .whatsapp import fetch_whatsapp_media
from .x import fetch_x_media

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia

__all__ = ["FETCHERS", "Fetched", "PermanentFetchError", "TemporaryFetchError", "http_get"]

FETCHERS: dict[str, Callable[[InboundMedia], Fetched]] = {
    Channel.WHATSAPP: fetch_whatsapp_media,
    Channel.TELEGRAM: fetch_telegram_media,
    Channel.TWITTER: fetch_x_media,
    Channel.SMS: fetch_twilio_media,
    Channel.FACEBOOK: fetch_meta_media,
    Channel.INSTAGRAM: fetch_meta_media,
    Channel.EMAIL: fetch_email_attachment,
}
