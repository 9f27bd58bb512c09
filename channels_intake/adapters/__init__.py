"""One small adapter per channel, all the same shape (see channels_intake/normalized.py).

PARSERS maps a channel to its `parse(raw) -> list[NormalizedMessage]`; the worker parses
the stored bytes again with it, so what is processed is exactly what was received.
"""

from __future__ import annotations

from collections.abc import Callable

from complaints.models import Channel

from ..normalized import NormalizedMessage
from . import email, whatsapp

PARSERS: dict[str, Callable[[bytes], list[NormalizedMessage]]] = {
    Channel.WHATSAPP: whatsapp.parse,
    Channel.EMAIL: email.parse,
}
