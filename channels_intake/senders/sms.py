"""SMS transports: Twilio's Messages API, or a generic gateway's JSON send URL.

TwilioSender: POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json, a form with To,
From (or MessagingServiceSid when TWILIO_FROM_NUMBER is an MG... service id) and Body,
HTTP basic auth sid:token; the answer's "sid" is the provider id.
SmsGatewaySender: POST {"to", "message", "ref"} as JSON with a Bearer token; the answer's
"id" or "message_id" is the provider id, else our "ref" (many gateways answer "OK").
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from .base import PermanentSendError, SendResult, post

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class TwilioSender:
    def __init__(
        self,
        *,
        api_base: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        status_callback: str = "",
    ) -> None:
        self.url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.authorization = basic_auth(account_sid, auth_token)
        self.from_number = from_number
        self.status_callback = status_callback

    def form(self, message: OutboundMessage) -> dict[str, str]:
        fields = {"To": message.recipient, "Body": message.body}
        # A Messaging Service (MG...) picks the sender number itself.
        if self.from_number.startswith("MG"):
            fields["MessagingServiceSid"] = self.from_number
        else:
            fields["From"] = self.from_number
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        return fields

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        answer = post(
            self.url,
            form=self.form(message),
            headers={"Authorization": self.authorization, "Accept": "application/json"},
        )
        try:
            sid = json.loads(answer)["sid"]
        except (ValueError, KeyError, TypeError):
            # A 2xx without a sid: the message may have gone; never resend blindly.
            raise PermanentSendError(f"Answer without a sid: {answer[:300]!r}") from None
        return SendResult(provider_message_id=str(sid))


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
