"""The one shape every channel adapter parses its provider's payload into.

Every adapter (channels_intake/providers/<provider>/adapter.py) exposes the same three things:
`parse(raw: bytes) -> list[NormalizedMessage]` (pure: no database, raises PayloadError
with a readable reason), a `verify_*` function for the provider's signature (constant
time), and a `sign*` helper the tests use to sign exactly as the provider does. The
webhook view stores what `parse` returns; channels_intake.services decides what each
message becomes.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


class PayloadError(ValueError):
    """The body is not what the provider sends; the message says why (answered with 400)."""


def json_object(raw_body: bytes) -> dict[str, Any]:
    """A JSON provider's body as a dict, or PayloadError saying what it is instead."""
    try:
        payload = json.loads(raw_body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"The body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PayloadError("The body is not a JSON object.")
    return payload


@contextmanager
def payload_shape() -> Iterator[None]:
    """Reading a payload that is JSON but not shaped as documented is a PayloadError."""
    try:
        yield
    except (LookupError, TypeError, AttributeError, ValueError) as exc:
        raise PayloadError(f"Unexpected payload shape: {exc!r}") from None


class Kind(enum.StrEnum):
    MESSAGE = "message"
    # A delivery report about one of OUR outbound messages; never a complaint.
    STATUS = "status"
    # The citizen edited a message we already have (a Facebook or Instagram comment, a
    # Telegram message): `edit_of` names it; the complaint's text follows, nothing new is made.
    EDIT = "edit"


@dataclass(frozen=True)
class MediaRef:
    """A file the provider holds; fetched later by a worker, never in the webhook request.

    `media_id` is the provider's handle (a WhatsApp media id, a Telegram file_id, the
    index of a MIME part); `url` is set when the payload carries a direct link instead
    (Twilio MediaUrl, a Meta attachment URL).
    """

    media_id: str
    mime_type: str
    kind: str  # image, document, audio, video, sticker
    url: str = ""
    filename: str = ""


@dataclass(frozen=True)
class NormalizedMessage:
    channel: str
    # The dedupe key: unique per channel (WhatsApp: the wamid; a status: "<wamid>:<status>").
    provider_message_id: str
    kind: Kind = Kind.MESSAGE
    # The stable identity on the channel (WhatsApp: the BSUID when sent, else the wa_id).
    sender_id: str = ""
    sender_phone: str = ""  # E.164 when the channel gives a phone number, else ""
    sender_email: str = ""
    sender_name: str = ""
    # Where a reply goes on this channel: a phone number, a chat id, a page-scoped id, an
    # address. Empty means "the sender_id".
    reply_address: str = ""
    # The public thread to answer in (a tweet, a comment, an email's Message-ID), if any.
    thread_ref: str = ""
    # A public post (a mention, a page comment): replies there must not reveal anything
    # but the tracking code and link.
    is_public: bool = False
    message_type: str = ""  # the provider's own type: text, image, location, interactive, ...
    subject: str = ""
    text: str = ""
    attachments: tuple[MediaRef, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    reply_to: str = ""  # the provider id of the message this one answers
    reply_id: str = ""  # the id of the button or list row the user chose
    edit_of: str = ""  # Kind.EDIT: the provider id of the message that was edited
    timestamp: int | None = None  # epoch seconds, as the provider stamped it
    # Statuses only: which of our messages, what happened, and the provider's errors.
    status_for: str = ""
    status: str = ""
    status_recipient: str = ""
    status_errors: tuple[str, ...] = ()

    @property
    def has_content(self) -> bool:
        return bool(self.text.strip() or self.attachments or self.latitude is not None)

    @property
    def address_for_reply(self) -> str:
        return self.reply_address or self.sender_phone or self.sender_email or self.sender_id
