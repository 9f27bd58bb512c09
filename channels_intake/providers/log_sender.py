"""The embedded default: write the message to the log and call it sent."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from channels_intake.providers.sending import SendResult
from config.log_context import mask_address

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

logger = logging.getLogger("channels_intake.outbox")


class LogSender:
    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        logger.info(
            "Outbox (log only, no %s credentials) to %s: %s",
            message.channel,
            mask_address(message.recipient),
            message.body,
        )
        return SendResult(provider_message_id=f"local.{uuid.uuid4().hex}")
