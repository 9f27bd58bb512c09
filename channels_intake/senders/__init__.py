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
from django.urls import reverse

from complaints.models import Channel

from .base import PermanentSendError, Sender, SendResult, TemporarySendError
from .email import EmailSender
from .log import LogSender
from .meta import MetaSender
from .sms import SmsGatewaySender, TwilioSender
from .telegram import TelegramSender
from .whatsapp import WhatsAppSender
from .x import x_sender

__all__ = [
    "FACTORIES",
    "EmailSender",
    "LogSender",
    "MetaSender",
    "PermanentSendError",
    "SendResult",
    "Sender",
    "SmsGatewaySender",
    "TelegramSender",
    "TemporarySendError",
    "TwilioSender",
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


def _telegram() -> Sender | None:
    if not settings.TELEGRAM_BOT_TOKEN:
        return None
    return TelegramSender(
        api_base=settings.TELEGRAM_API_BASE, bot_token=settings.TELEGRAM_BOT_TOKEN
    )


def _sms() -> Sender | None:
    """Twilio when its three settings are set, else the gateway, else none (the log)."""
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER:
        return TwilioSender(
            api_base=settings.TWILIO_API_BASE,
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_FROM_NUMBER,
            status_callback=twilio_status_callback(),
        )
    if settings.SMS_GATEWAY_SEND_URL and settings.SMS_GATEWAY_TOKEN:
        return SmsGatewaySender(
            send_url=settings.SMS_GATEWAY_SEND_URL, token=settings.SMS_GATEWAY_TOKEN
        )
    return None


def twilio_status_callback() -> str:
    """Our webhook, for Twilio's delivery reports, when Twilio can reach it (https only)."""
    if not settings.PUBLIC_BASE_URL.startswith("https://"):
        return ""
    return settings.PUBLIC_BASE_URL + reverse("channels_intake:twilio")


def _meta() -> Sender | None:
    if not settings.META_PAGE_ACCESS_TOKEN:
        return None
    return MetaSender(api_base=settings.META_API_BASE, access_token=settings.META_PAGE_ACCESS_TOKEN)


FACTORIES: dict[str, Callable[[], Sender | None]] = {
    Channel.WHATSAPP: _whatsapp,
    Channel.TELEGRAM: _telegram,
    Channel.TWITTER: x_sender,
    Channel.SMS: _sms,
    Channel.FACEBOOK: _meta,
    Channel.INSTAGRAM: _meta,
    # No credentials of its own: EMAIL_BACKEND decides (the console prints it by default).
    Channel.EMAIL: EmailSender,
}


def sender_for(channel: str) -> Sender:
    """The real transport when the channel's credentials are set, else the log."""
    factory = FACTORIES.get(channel)
    sender = factory() if factory is not None else None
    return sender if sender is not None else LogSender()
