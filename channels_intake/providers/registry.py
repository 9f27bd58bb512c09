"""Every provider, one line each: what urls.py, the worker, the outbox and media read.

A provider is one folder, channels_intake/providers/<name>/, holding what it has:
`adapter.py` (verify and parse; pure), `webhook.py` (its views and `urlpatterns`),
`sender.py` (`build()`: its transport from settings, or None while unset) and
`fetcher.py` (`fetch(media)`: a file it holds). Adding one is that folder and one line
in PROVIDERS (docs/channels/README.md has the checklist).

Webhooks are named by module path, the way Django includes an app's urls: the URLconf
loads them, so reading this registry (the worker parsing, the outbox sending) never
imports a view, and a view may store through the inbox without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from complaints.models import Channel

from .email import adapter as email_adapter
from .email import fetcher as email_fetcher
from .email import sender as email_sender
from .log_sender import LogSender
from .meta import adapter as meta_adapter
from .meta import fetcher as meta_fetcher
from .meta import sender as meta_sender
from .sending import Sender
from .sms_gateway import adapter as sms_gateway_adapter
from .sms_gateway import sender as sms_gateway_sender
from .telegram import adapter as telegram_adapter
from .telegram import fetcher as telegram_fetcher
from .telegram import sender as telegram_sender
from .twilio import adapter as twilio_adapter
from .twilio import fetcher as twilio_fetcher
from .twilio import sender as twilio_sender
from .whatsapp import adapter as whatsapp_adapter
from .whatsapp import fetcher as whatsapp_fetcher
from .whatsapp import sender as whatsapp_sender
from .x import adapter as x_adapter
from .x import fetcher as x_fetcher
from .x import sender as x_sender

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia
    from channels_intake.normalized import NormalizedMessage

    from .fetching import Fetched

Parse = Callable[[bytes], "list[NormalizedMessage]"]
Build = Callable[[], "Sender | None"]
Fetch = Callable[["InboundMedia"], "Fetched"]


@dataclass(frozen=True)
class Provider:
    """One provider: its name (stored on each InboundMessage), the channels it carries,
    and the parts it has; a part it lacks is None."""

    name: str
    channels: tuple[str, ...]
    parse: Parse | None = None
    # The module whose `urlpatterns` go under /webhooks/ (loaded by channels_intake.urls).
    webhook: str = ""
    sender: Build | None = None
    fetch: Fetch | None = None


def _webhook(name: str) -> str:
    return f"channels_intake.providers.{name}.webhook"


# Order matters where providers share a channel: the first one configured sends (SMS:
# Twilio, else the gateway).
PROVIDERS: list[Provider] = [
    Provider(
        "whatsapp",
        (Channel.WHATSAPP,),
        whatsapp_adapter.parse,
        _webhook("whatsapp"),
        whatsapp_sender.build,
        whatsapp_fetcher.fetch,
    ),
    Provider(
        "telegram",
        (Channel.TELEGRAM,),
        telegram_adapter.parse,
        _webhook("telegram"),
        telegram_sender.build,
        telegram_fetcher.fetch,
    ),
    Provider(
        "x", (Channel.TWITTER,), x_adapter.parse, _webhook("x"), x_sender.build, x_fetcher.fetch
    ),
    Provider(
        "twilio",
        (Channel.SMS,),
        twilio_adapter.parse,
        _webhook("twilio"),
        twilio_sender.build,
        twilio_fetcher.fetch,
    ),
    Provider(
        "sms_gateway",
        (Channel.SMS,),
        sms_gateway_adapter.parse,
        _webhook("sms_gateway"),
        sms_gateway_sender.build,
    ),
    Provider(
        "meta",
        (Channel.FACEBOOK, Channel.INSTAGRAM),
        meta_adapter.parse,
        _webhook("meta"),
        meta_sender.build,
        meta_fetcher.fetch,
    ),
    Provider(
        "email",
        (Channel.EMAIL,),
        email_adapter.parse,
        _webhook("email"),
        email_sender.build,
        email_fetcher.fetch,
    ),
]


def provider_named(name: str) -> Provider | None:
    return next((p for p in PROVIDERS if p.name == name), None)


def providers_of(channel: str) -> Iterator[Provider]:
    return (p for p in PROVIDERS if channel in p.channels)


def parser_for(provider: str) -> Parse | None:
    """How the worker reads a stored body again: the provider that stored it says."""
    found = provider_named(provider)
    return found.parse if found is not None else None


def fetcher_for(provider: str) -> Fetch | None:
    found = provider_named(provider)
    return found.fetch if found is not None else None


def can_reply(channel: str) -> bool:
    """Some provider sends on `channel` (with its credentials set, or else to the log)."""
    return any(p.sender is not None for p in providers_of(channel))


def configured_sender(channel: str) -> Sender | None:
    """The first provider of `channel` whose credentials are set; None while none is."""
    for provider in providers_of(channel):
        sender = provider.sender() if provider.sender is not None else None
        if sender is not None:
            return sender
    return None


def sender_for(channel: str) -> Sender:
    """The real transport when the channel's credentials are set, else the log."""
    sender = configured_sender(channel)
    return sender if sender is not None else LogSender()
