"""The sender interface and its two kinds of failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    # WhatsApp outside the 24-hour window: the template went instead of the text.
    as_template: bool = False


class SendError(Exception):
    pass


class TemporarySendError(SendError):
    """Worth another try later: the network, a timeout, 429 or a 5xx."""


class PermanentSendError(SendError):
    """Another try would fail the same way: a 4xx other than 429, a bad recipient."""


class Sender(Protocol):
    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult: ...
