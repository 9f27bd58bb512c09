"""Telegram Bot API: check the webhook's secret token and parse its Update JSON.

Telegram signs nothing: the whole authentication of a webhook delivery is the
X-Telegram-Bot-Api-Secret-Token header (the `secret_token` we gave setWebhook) over
HTTPS. No database and no routing here (docs/channels/telegram.md).
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from channels_intake.normalized import (
    Kind,
    MediaRef,
    NormalizedMessage,
    PayloadError,
    json_object,
    payload_shape,
)
from complaints.models import Channel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
# Telegram sends photos as JPEG; the other file kinds carry their own mime_type.
PHOTO_MIME = "image/jpeg"
# Slash commands a citizen taps in the bot's menu, as the keyword they stand for
# (channels_intake.keywords): /start and /help answer with how to use the service.
_COMMANDS = {
    "start": "INFO",
    "help": "INFO",
    "bantuan": "INFO",
    "info": "INFO",
    "cek": "CEK",
    "status": "CEK",
    "lapor": "LAPOR",
}
# "/cek@SigapBot AB12CD34": the command, an optional bot name, the rest.
_COMMAND = re.compile(r"/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?", re.DOTALL)
_NOT_DIGITS = re.compile(r"\D")

__all__ = ["PayloadError", "parse", "sign_headers", "verify_secret_token"]


def sign_headers(secret_token: str) -> dict[str, str]:
    """The headers Telegram sends with every delivery to a webhook set with `secret_token`."""
    return {SECRET_HEADER: secret_token}


def verify_secret_token(header: str | None, secret_token: str) -> bool:
    """True when the delivery carries our secret token (constant time)."""
    if not secret_token or not header:
        return False
    return hmac.compare_digest(header.encode(), secret_token.encode())


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    """The citizen message in one Update (at most one); [] for updates we do not take."""
    update = json_object(raw_body)
    if not isinstance(update.get("update_id"), int):
        raise PayloadError("The body is not a Telegram Update: no integer update_id.")
    with payload_shape():
        message = _update(update)
    return [message] if message is not None else []


def _update(update: dict[str, Any]) -> NormalizedMessage | None:
    # channel_post, my_chat_member, inline_query, ...: not a citizen writing to the bot
    # (and setWebhook asks only for the three below).
    if "message" in update:
        return _message(update["message"], edited=False)
    if "edited_message" in update:
        return _message(update["edited_message"], edited=True)
    if "callback_query" in update:
        return _callback(update["callback_query"])
    return None


def _from_citizen(sender: dict[str, Any] | None, chat: dict[str, Any]) -> bool:
    """A person (not a bot, not ourselves) in a one-to-one chat with the bot.

    Groups and supergroups are not complaint channels: the bot would read strangers'
    conversation, and a reply there would be public.
    """
    return bool(sender) and not sender.get("is_bot") and chat.get("type") == "private"


def _name(user: dict[str, Any]) -> str:
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p).strip()
    return name or user.get("username", "")


def _phone(raw: str) -> str:
    """E.164 from Telegram's phone_number ("6281234567890", sometimes with "+")."""
    digits = _NOT_DIGITS.sub("", raw or "")
    return f"+{digits}" if 8 <= len(digits) <= 15 else ""


def _command_text(text: str) -> str:
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return text
    command, rest = match.group(1).lower(), (match.group(2) or "").strip()
    keyword = _COMMANDS.get(command)
    if keyword is None:
        # An unknown command is someone poking at the bot's menu, not a complaint.
        return "INFO"
    if keyword == "INFO":
        # "/start <payload>" from a deep link carries no complaint either.
        return keyword
    return f"{keyword} {rest}".strip()


def _file(body: dict[str, Any], kind: str, default_mime: str = "") -> MediaRef:
    return MediaRef(
        media_id=body["file_id"],
        mime_type=body.get("mime_type") or default_mime,
        kind=kind,
        filename=body.get("file_name", ""),
    )


def _area(size: dict[str, Any]) -> tuple[int, int]:
    return size.get("width", 0) * size.get("height", 0), size.get("file_size", 0)


def _content(message: dict[str, Any]) -> dict[str, Any]:
    """message_type, text, attachments and place of one Message object."""
    caption = message.get("caption", "")
    if "text" in message:
        return {"message_type": "text", "text": _command_text(message["text"])}
    if message.get("photo"):
        # Telegram sends every size it made, smallest first; the largest is the evidence.
        largest = max(message["photo"], key=_area)
        return {
            "message_type": "image",
            "text": caption,
            "attachments": (_file(largest, "image", PHOTO_MIME),),
        }
    if "document" in message:
        document = message["document"]
        # A photo sent "as a file" (uncompressed, from the gallery) is still a photo.
        kind = "image" if (document.get("mime_type") or "").startswith("image/") else "document"
        attachment = _file(document, kind)
        return {"message_type": "document", "text": caption, "attachments": (attachment,)}
    if "voice" in message:
        voice = _file(message["voice"], "audio", "audio/ogg")
        return {"message_type": "audio", "text": caption, "attachments": (voice,)}
    if "audio" in message:
        return {
            "message_type": "audio",
            "text": caption,
            "attachments": (_file(message["audio"], "audio"),),
        }
    for key in ("video", "video_note"):
        if key in message:
            video = _file(message[key], "video", "video/mp4")
            return {"message_type": "video", "text": caption, "attachments": (video,)}
    if "venue" in message:
        venue = message["venue"]
        address = ", ".join(p for p in (venue.get("title"), venue.get("address")) if p)
        return {
            "message_type": "location",
            "latitude": float(venue["location"]["latitude"]),
            "longitude": float(venue["location"]["longitude"]),
            "address": address,
            "text": address,
        }
    if "location" in message:
        return {
            "message_type": "location",
            "latitude": float(message["location"]["latitude"]),
            "longitude": float(message["location"]["longitude"]),
        }
    if "sticker" in message:
        return {
            "message_type": "sticker",
            "attachments": (_file(message["sticker"], "sticker", "image/webp"),),
        }
    if "contact" in message:
        return {"message_type": "contact"}
    # poll, dice, game, service messages (pinned, chat photo, ...): kept raw, no content.
    return {"message_type": "other"}


def _message(message: dict[str, Any], *, edited: bool) -> NormalizedMessage | None:
    chat = message["chat"]
    sender = message.get("from")
    if not _from_citizen(sender, chat):
        return None
    if edited and "location" in message:
        # A live location moving: Telegram edits the message every few seconds for up to
        # 8 hours. The place first shared is the one reported.
        return None
    chat_id = chat["id"]
    own_id = f"{chat_id}:{message['message_id']}"
    fields = _content(message)
    contact = message.get("contact") or {}
    # Only the citizen's own number, shared with the "share my phone" button, identifies them.
    own = contact.get("user_id") == sender["id"]
    phone = _phone(contact.get("phone_number", "")) if own else ""
    reply_to = message.get("reply_to_message") or {}
    if edited:
        stamp = message.get("edit_date") or message.get("date")
        kind, provider_id, edit_of = Kind.EDIT, f"{own_id}:edited:{stamp}", own_id
    else:
        stamp = message.get("date")
        kind, provider_id, edit_of = Kind.MESSAGE, own_id, ""
    return NormalizedMessage(
        channel=Channel.TELEGRAM,
        # Not update_id: after a week without updates Telegram picks the next one at random.
        provider_message_id=provider_id,
        kind=kind,
        edit_of=edit_of,
        sender_id=str(sender["id"]),
        sender_phone=phone,
        sender_name=_name(sender),
        reply_address=str(chat_id),
        reply_to=f"{chat_id}:{reply_to['message_id']}" if reply_to else "",
        timestamp=int(stamp) if stamp else None,
        **fields,
    )


def _button_title(message: dict[str, Any], data: str) -> str:
    """The label of the inline button whose callback_data is `data`, if the message says."""
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    for row in keyboard:
        for button in row:
            if button.get("callback_data") == data:
                return button.get("text", "")
    return ""


def _callback(query: dict[str, Any]) -> NormalizedMessage | None:
    """A tap on an inline button under one of our messages."""
    sender = query["from"]
    message = query.get("message") or {}
    # No message: a button under an inline-mode message in someone else's chat.
    chat = message.get("chat") or {}
    if not message or not _from_citizen(sender, chat):
        return None
    data = query.get("data", "")
    return NormalizedMessage(
        channel=Channel.TELEGRAM,
        provider_message_id=f"callback:{query['id']}",
        sender_id=str(sender["id"]),
        sender_name=_name(sender),
        reply_address=str(chat["id"]),
        message_type="button",
        text=_button_title(message, data) or data,
        reply_id=data,
        # Our message's id as the sender recorded it in the outbox.
        reply_to=f"{chat['id']}:{message['message_id']}",
    )
