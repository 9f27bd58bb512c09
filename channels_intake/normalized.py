"""The one shape every channel adapter parses its provider's payload into."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    MESSAGE = "message"
    # A delivery report about one of OUR outbound messages; never a complaint.
    STATUS = "status"


@dataclass(frozen=True)
class MediaRef:
    """A file the provider holds; fetched later by a worker, never in the webhook request."""

    media_id: str
    mime_type: str
    kind: str  # image, document, audio, video, sticker


@dataclass(frozen=True)
class NormalizedMessage:
    channel: str
    # The dedupe key: unique per channel (WhatsApp: the wamid; a status: "<wamid>:<status>").
    provider_message_id: str
    kind: Kind = Kind.MESSAGE
    # The stable identity on the channel (WhatsApp: the BSUID when sent, else the wa_id).
    sender_id: str = ""
    sender_phone: str = ""  # E.164 when the channel gives a phone number, else ""
    sender_name: str = ""
    message_type: str = ""  # the provider's own type: text, image, location, interactive, ...
    text: str = ""
    attachments: tuple[MediaRef, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    reply_to: str = ""  # the provider id of the message this one answers
    reply_id: str = ""  # the id of the button or list row the user chose
    timestamp: int | None = None  # epoch seconds, as the provider stamped it
    # Statuses only: which of our messages, what happened, and the provider's errors.
    status_for: str = ""
    status: str = ""
    status_recipient: str = ""
    status_errors: tuple[str, ...] = ()

    @property
    def has_content(self) -> bool:
        return bool(self.text.strip() or self.attachments or self.latitude is not None)
