"""Per-channel senders: one small transport per channel behind one `send(message)` method.

A sender raises TemporarySendError (network, timeout, 429, 5xx: the outbox retries with
backoff) or PermanentSendError (any other 4xx: never retried). A channel whose
credentials are unset gets the LogSender, so the embedded run sends nothing anywhere.

FACTORIES maps a channel to a function that builds its real sender from settings, or
returns None while the channel's credentials are unset.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from complaints.models import Channel

from .base import PermanentSendError, Sender, SendResult, TemporarySendError
from .email import EmailSender
from .log import LogSender
from .whatsapp import WhatsAppSender

__all__ = [
    "FACTORIES",
    "EmailSender",
    "LogSender",
    "PermanentSendError",
    "SendResult",
    "Sender",
    "TemporarySendError",
    "WhatsAppSender",
    "sender_for",
]


def _whatsapp() -> Sender | None:
    if not (settings.WHATSAPP_ACCESS_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID):
        return None
    return WhatsAppSender(
        api_base=settings.WHATSAPP_API_BASE,
        phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
        access_token=settings.WHATSAPP_ACCESS_TOKEN,
    )


FACTORIES: dict[str, Callable[[], Sender | None]] = {
    Channel.WHATSAPP: _whatsapp,
    # No credentials of its own: EMAIL_BACKEND decides (the console prints it by default).
    Channel.EMAIL: EmailSender,
}


def sender_for(channel: str) -> Sender:
    """The real transport when the channel's credentials are set, else the log."""
    factory = FACTORIES.get(channel)
    sender = factory() if factory is not None else None
    return sender if sender is not None else LogSender()
