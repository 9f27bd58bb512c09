"""WhatsApp Business Cloud API: verify Meta's requests and parse its webhook payloads.

No database and no routing here: the view stores what this module accepts, and
channels_intake.processing decides what each message becomes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from channels_intake.normalized import (
    Kind,
    MediaRef,
    NormalizedMessage,
    PayloadError,
    json_object,
    payload_shape,
)
from channels_intake.providers.meta.signing import (
    SIGNATURE_HEADER,
    sign,
    verify_signature,
    verify_subscription,
)
from complaints.models import Channel

OBJECT = "whatsapp_business_account"
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
# A wa_id is the phone number in international form without "+"; a BSUID is not digits.
_PHONE_DIGITS = re.compile(r"\d{8,15}")


# Meta signs WhatsApp deliveries like its Page and Instagram ones (providers/meta/signing.py).
__all__ = [
    "SIGNATURE_HEADER",
    "PayloadError",
    "parse",
    "sign",
    "verify_signature",
    "verify_subscription",
]


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    """Every message and status in one delivery, in order; PayloadError if it is not one."""
    payload = json_object(raw_body)
    if payload.get("object") != OBJECT:
        raise PayloadError(f"The object is {payload.get('object')!r}, not {OBJECT!r}.")
    with payload_shape():
        return list(_messages(payload))


def _messages(payload: dict[str, Any]) -> Iterator[NormalizedMessage]:
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            # Other fields (account_update, template status, ...) carry no messages.
            if change.get("field") != "messages":
                continue
            value = change.get("value") or {}
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                yield _message(message, _contact_for(message, contacts))
            for status in value.get("statuses") or []:
                yield _status(status)


def _contact_for(message: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    sender = message.get("from", "")
    for contact in contacts:
        if sender and sender in (contact.get("wa_id"), contact.get("user_id")):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _phone(wa_id: str) -> str:
    return f"+{wa_id}" if _PHONE_DIGITS.fullmatch(wa_id or "") else ""


def _message(message: dict[str, Any], contact: dict[str, Any]) -> NormalizedMessage:
    sender = message.get("from", "") or contact.get("wa_id", "")
    bsuid = message.get("from_user_id") or contact.get("user_id") or ""
    phone = _phone(contact.get("wa_id", "")) or _phone(sender)
    kind = message["type"]
    body = message.get(kind) or {}
    fields: dict[str, Any] = {}
    if kind == "text":
        fields["text"] = body.get("body", "")
    elif kind in MEDIA_TYPES:
        fields["text"] = body.get("caption", "")
        fields["attachments"] = (
            MediaRef(media_id=body["id"], mime_type=body.get("mime_type", ""), kind=kind),
        )
    elif kind == "location":
        fields["latitude"] = float(body["latitude"])
        fields["longitude"] = float(body["longitude"])
        fields["address"] = ", ".join(p for p in (body.get("name"), body.get("address")) if p)
        fields["text"] = fields["address"]
    elif kind == "button":
        fields["text"] = body.get("text", "")
        fields["reply_id"] = body.get("payload", "")
    elif kind == "interactive":
        reply = body.get(body.get("type", "")) or {}
        fields["text"] = reply.get("title", "")
        fields["reply_id"] = reply.get("id", "")
    # reaction, contacts, order, system, unsupported: kept raw in the inbox, no content.
    timestamp = message.get("timestamp")
    return NormalizedMessage(
        channel=Channel.WHATSAPP,
        provider_message_id=message["id"],
        kind=Kind.MESSAGE,
        sender_id=bsuid or sender,
        sender_phone=phone,
        # Replies go to the wa_id (the phone); a BSUID-only user is answered by the BSUID.
        reply_address=phone or sender,
        sender_name=((contact.get("profile") or {}).get("name") or "").strip(),
        message_type=kind,
        reply_to=(message.get("context") or {}).get("id", ""),
        timestamp=int(timestamp) if timestamp else None,
        **fields,
    )


def _status(status: dict[str, Any]) -> NormalizedMessage:
    timestamp = status.get("timestamp")
    errors = tuple(
        f"{e.get('code', '')}: {e.get('title') or e.get('message') or ''}".strip()
        for e in status.get("errors") or []
    )
    return NormalizedMessage(
        channel=Channel.WHATSAPP,
        provider_message_id=f"{status['id']}:{status['status']}",
        kind=Kind.STATUS,
        sender_id=status.get("recipient_id", ""),
        message_type="status",
        timestamp=int(timestamp) if timestamp else None,
        status_for=status["id"],
        status=status["status"],
        status_recipient=status.get("recipient_id", ""),
        status_errors=errors,
    )
