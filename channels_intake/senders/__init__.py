"""Per-channel senders: one small transport per channel behind one `send(message)` method.

A sender raises TemporarySendError (network, timeout, 429, 5xx: the outbox retries with
backoff) or PermanentSendError (any other 4xx: never retried). A channel whose
credentials are unset gets the LogSender, so the embedded run sends nothing anywhere.
"""

from __future__ import annotations

from django.conf import settings

from .base import PermanentSendError, Sender, SendResult, TemporarySendError
from .log import LogSender
from .whatsapp import WhatsAppSender

__all__ = [
    "LogSender",
    "PermanentSendError",
    "SendResult",
    "Sender",
    "TemporarySendError",
    "WhatsAppSender",
    "sender_for",
]


def sender_for(channel: str) -> Sender:
    """The real transport when the channel's credentials are set, else the log."""
    if (
        channel == "whatsapp"
        and settings.WHATSAPP_ACCESS_TOKEN
        and settings.WHATSAPP_PHONE_NUMBER_ID
    ):
        return WhatsAppSender(
            api_base=settings.WHATSAPP_API_BASE,
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            access_token=settings.WHATSAPP_ACCESS_TOKEN,
        )
    return LogSender()
