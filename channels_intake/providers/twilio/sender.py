"""Twilio's Messages API: SMS replies when TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM_NUMBER are set.

TwilioSender: POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json, a form with To,
From (or MessagingServiceSid when TWILIO_FROM_NUMBER is an MG... service id) and Body,
HTTP basic auth sid:token; the answer's "sid" is the provider id.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from channels_intake.providers.sending import PermanentSendError, SendResult, basic_auth, post

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage


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


def build() -> TwilioSender | None:
    """The registry's sender: None until Twilio's three settings are set."""
    if not (
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    ):
        return None
    return TwilioSender(
        api_base=settings.TWILIO_API_BASE,
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        from_number=settings.TWILIO_FROM_NUMBER,
        status_callback=status_callback(),
    )


def status_callback() -> str:
    """Our webhook, for Twilio's delivery reports, when Twilio can reach it (https only)."""
    if not settings.PUBLIC_BASE_URL.startswith("https://"):
        return ""
    return settings.PUBLIC_BASE_URL + reverse("channels_intake:twilio")
