"""A stored message read again: the provider that stored it parses its raw body."""

from __future__ import annotations

from .models import InboundMessage
from .normalized import NormalizedMessage
from .providers.registry import parser_for


def stored_message(message: InboundMessage) -> NormalizedMessage:
    """The NormalizedMessage a stored row holds; ValueError (or PayloadError) if none."""
    parser = parser_for(message.provider)
    if parser is None:
        raise ValueError(f"No parser for provider {message.provider!r}")
    for normalized in parser(bytes(message.body)):
        if normalized.provider_message_id == message.provider_message_id:
            return normalized
    raise ValueError("The stored body does not contain this message")


def stored_message_or_none(message: InboundMessage) -> NormalizedMessage | None:
    """The same, None when it cannot be read (for pages that show what they can)."""
    try:
        return stored_message(message)
    except ValueError:
        return None
