"""WhatsApp Cloud API transport: POST {base}/{phone_number_id}/messages (reference §1.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from channels_intake.providers.sending import PermanentSendError, SendResult, json_answer, post

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

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
        answer = json_answer(
            post(
                self.url,
                json_body=whatsapp_payload(message, use_template=use_template),
                headers={"Authorization": f"Bearer {self.access_token}"},
            )
        )
        try:
            provider_id = str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise PermanentSendError(f"Answer without a message id: {answer!r:.300}") from None
        return SendResult(provider_message_id=provider_id, as_template=use_template)


def build() -> WhatsAppSender | None:
    """The registry's sender: None until WHATSAPP_ACCESS_TOKEN and the phone number id are set."""
    if not (settings.WHATSAPP_ACCESS_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID):
        return None
    return WhatsAppSender(
        api_base=settings.WHATSAPP_API_BASE,
        phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
        access_token=settings.WHATSAPP_ACCESS_TOKEN,
    )
