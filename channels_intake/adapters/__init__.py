"""One small adapter per channel, all the same shape (see channels_intake/normalized.py).

PARSERS maps a channel to its `parse(raw) -> list[NormalizedMessage]`; the worker parses
the stored bytes again with it, so what is processed is exactly what was received.
"""

from __future__ import annotations

from collections.abc import Callable

from complaints.models import Channel

from ..normalized import NormalizedMessage
from . import email, meta, sms, telegram, whatsapp, x

PARSERS: dict[str, Callable[[bytes], list[NormalizedMessage]]] = {
    Channel.WHATSAPP: whatsapp.parse,
    Channel.SMS: sms.parse,
    Channel.TELEGRAM: telegram.parse,
    Channel.TWITTER: x.parse,
    Channel.FACEBOOK: meta.parse,
    Channel.INSTAGRAM: meta.parse,
    Channel.EMAIL: email.parse,
}
