"""Email attachments: the file is already in the stored raw message, at its MIME part index.

The adapter names each attachment by its position in walk() order (MediaRef.media_id);
parsing the same stored bytes again finds the same part there. Nothing is downloaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from channels_intake.providers.email import adapter as email_adapter
from channels_intake.providers.fetching import Fetched, PermanentFetchError, max_bytes

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia


def fetch(media: InboundMedia) -> Fetched:
    try:
        index = int(media.media_id)
    except ValueError:
        raise PermanentFetchError(f"{media.media_id!r} is not a MIME part index") from None
    message = email_adapter.message_from_bytes(bytes(media.message.body))
    part = email_adapter.part_at(message, index)
    if part is None or part.is_multipart():
        raise PermanentFetchError(f"The stored message has no file part at index {index}")
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    if len(content) > max_bytes():
        raise PermanentFetchError(f"File is over {settings.INBOUND_MEDIA_MAX_MB} MB")
    return Fetched(
        content=content,
        content_type=part.get_content_type(),
        filename=email_adapter.part_filename(part),
    )
