"""A generic SMS gateway's JSON send URL: SMS replies when Twilio is not configured.

SmsGatewaySender: POST {"to", "message", "ref"} as JSON with a Bearer token; the answer's
"id" or "message_id" is the provider id, else our "ref" (many gateways answer "OK").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings

from channels_intake.providers.sending import SendResult, post

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage


class SmsGatewaySender:
    def __init__(self, *, send_url: str, token: str) -> None:
        self.url = send_url
        self.token = token

    @staticmethod
    def ref(message: OutboundMessage) -> str:
        """Our id of the message, for the gateway to deduplicate and to report on."""
        return f"sigap-{message.pk}"

    def payload(self, message: OutboundMessage) -> dict[str, Any]:
        return {"to": message.recipient, "message": message.body, "ref": self.ref(message)}

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        answer = post(
            self.url,
            json_body=self.payload(message),
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            parsed = json.loads(answer)
        except ValueError:
            parsed = None
        provider_id = ""
        if isinstance(parsed, dict):
            provider_id = str(parsed.get("id") or parsed.get("message_id") or "")
        return SendResult(provider_message_id=provider_id or self.ref(message))


def build() -> SmsGatewaySender | None:
    """The registry's sender: None until SMS_GATEWAY_SEND_URL and its token are set."""
    if not (settings.SMS_GATEWAY_SEND_URL and settings.SMS_GATEWAY_TOKEN):
        return None
    return SmsGatewaySender(
        send_url=settings.SMS_GATEWAY_SEND_URL, token=settings.SMS_GATEWAY_TOKEN
    )
