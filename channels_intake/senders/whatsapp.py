"""WhatsApp Cloud API transport: POST {base}/{phone_number_id}/messages (reference §1.6)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from .base import PermanentSendError, SendResult, TemporarySendError

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

TIMEOUT_SECONDS = 10
TEMPLATE_LANGUAGE = "id"


def whatsapp_payload(message: OutboundMessage, *, use_template: bool) -> dict[str, Any]:
    """The JSON body: free text inside the 24-hour window, the template outside it."""
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        # Meta wants the number without the plus sign.
        "to": message.recipient.removeprefix("+"),
    }
    if use_template:
        payload["type"] = "template"
        payload["template"] = {
            "name": message.template_name,
            "language": {"code": TEMPLATE_LANGUAGE},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": str(p)} for p in message.template_params
                    ],
                }
            ],
        }
    else:
        payload["type"] = "text"
        payload["text"] = {"body": message.body, "preview_url": False}
    return payload


class WhatsAppSender:
    def __init__(self, *, api_base: str, phone_number_id: str, access_token: str) -> None:
        self.url = f"{api_base.rstrip('/')}/{phone_number_id}/messages"
        self.access_token = access_token

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        if use_template and not message.template_name:
            raise PermanentSendError("Outside the 24-hour window and no template for this message")
        body = json.dumps(whatsapp_payload(message, use_template=use_template)).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, https in production
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.access_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode(errors="replace")
            if error.code == 429 or error.code >= 500:
                raise TemporarySendError(f"HTTP {error.code}: {detail}") from error
            raise PermanentSendError(f"HTTP {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TemporarySendError(f"Network error: {error}") from error
        except ValueError as error:
            # A 2xx whose body is not JSON: the message may have gone; never resend blindly.
            raise PermanentSendError(f"Unreadable answer: {error}") from error
        try:
            provider_id = str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise PermanentSendError(f"Answer without a message id: {answer!r:.300}") from None
        return SendResult(provider_message_id=provider_id, as_template=use_template)
