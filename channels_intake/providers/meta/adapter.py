"""Facebook Page and Instagram (one Meta app, one webhook): verify and parse deliveries.

Object "page" carries Messenger events (entry[].messaging[]) and the page's feed
(entry[].changes[] field "feed": comments); object "instagram" carries Instagram
messaging and the "comments" and "mentions" fields. Both are signed like WhatsApp
(X-Hub-Signature-256 over the raw body with the app secret), so the helpers are shared.

No database and no routing here: the view stores what this module accepts, and
channels_intake.services decides what each message becomes. Our own traffic (echoes of
our sends, the page's or account's own comments) is not returned at all.
"""

from __future__ import annotations

import hashlib
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

__all__ = [
    "SIGNATURE_HEADER",
    "PayloadError",
    "parse",
    "sign",
    "verify_signature",
    "verify_subscription",
]

CHANNELS = {"page": Channel.FACEBOOK, "instagram": Channel.INSTAGRAM}
# Messenger attachment types as the message types services know ("file" is a document).
_ATTACHMENT_TYPES = {
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "document",
    # Someone mentioned the account in their story: the story's image on Meta's CDN.
    "story_mention": "image",
}
# Epoch values above this are milliseconds (Messenger stamps ms, feed changes seconds).
_MILLISECONDS = 10**11


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    """Every message, comment and edit in one delivery, in order; PayloadError if not one."""
    payload = json_object(raw_body)
    channel = CHANNELS.get(payload.get("object"))
    if channel is None:
        raise PayloadError(f"The object is {payload.get('object')!r}, not 'page' or 'instagram'.")
    with payload_shape():
        return list(_messages(payload, channel))


def _messages(payload: dict[str, Any], channel: str) -> Iterator[NormalizedMessage]:
    for entry in payload.get("entry") or []:
        own_id = str(entry.get("id", ""))
        for event in entry.get("messaging") or []:
            yield from _messaging(event, channel)
        for change in entry.get("changes") or []:
            field, value = change.get("field"), change.get("value") or {}
            if channel == Channel.FACEBOOK and field == "feed":
                yield from _page_comment(value, own_id)
            elif channel == Channel.INSTAGRAM and field in ("comments", "live_comments"):
                yield from _instagram_comment(value, own_id)
            elif channel == Channel.INSTAGRAM and field == "mentions":
                yield _instagram_mention(value)
            # Other fields (ratings, reactions, page changes, ...) carry no messages.


def _seconds(value: Any) -> int | None:
    if value in (None, ""):
        return None
    number = int(value)
    return number // 1000 if number > _MILLISECONDS else number


# --- Messenger and Instagram messaging -----------------------------------------------------


def _messaging(event: dict[str, Any], channel: str) -> Iterator[NormalizedMessage]:
    if "message" in event:
        message = event["message"]
        # Echoes are our own sends; an unsent (deleted) message carries nothing new.
        if message.get("is_echo") or message.get("is_deleted"):
            return
        yield _message(event, message, channel)
    elif "postback" in event:
        yield _postback(event, channel)
    elif "message_edit" in event:
        yield _message_edit(event, channel)
    elif "delivery" in event:
        # Messenger reports which of OUR messages reached the citizen's device.
        for mid in event["delivery"].get("mids") or []:
            yield _status(event, channel, mid=mid, status="delivered")
    elif "read" in event and event["read"].get("mid"):
        # Instagram's messaging_seen names the message read; Messenger's read has only a
        # watermark, which says nothing about which of our rows.
        yield _status(event, channel, mid=event["read"]["mid"], status="read")
    # reaction, referral, optin, standby, ...: nothing to act on; not stored.


def _sender(event: dict[str, Any]) -> str:
    return str(event["sender"]["id"])


def _message(event: dict[str, Any], message: dict[str, Any], channel: str) -> NormalizedMessage:
    sender = _sender(event)
    text = message.get("text", "") or ""
    media: list[MediaRef] = []
    types: list[str] = []
    location: dict[str, Any] = {}
    for attachment in message.get("attachments") or []:
        kind = attachment.get("type", "") or "unsupported"
        body = attachment.get("payload") or {}
        if kind == "location":
            coordinates = body.get("coordinates") or {}
            location = {
                "latitude": float(coordinates["lat"]),
                "longitude": float(coordinates["long"]),
            }
        elif body.get("sticker_id"):
            # Messenger's "like" button and stickers: an image with a sticker_id, no content.
            kind = "sticker"
        elif kind in _ATTACHMENT_TYPES and body.get("url"):
            media.append(
                MediaRef(media_id="", mime_type="", kind=_ATTACHMENT_TYPES[kind], url=body["url"])
            )
            kind = kind if kind == "story_mention" else _ATTACHMENT_TYPES[kind]
        # share, ig_reel, template, fallback, unsupported_type: kept raw, no content.
        types.append(kind)
    message_type = "location" if location else (types[0] if types else "text")
    if text and message_type not in (*_ATTACHMENT_TYPES, *_ATTACHMENT_TYPES.values(), "location"):
        message_type = "text"  # a text beside a share or a sticker is still a text
    reply_id = ""
    if message.get("quick_reply"):
        # The citizen tapped one of our quick replies: an answer to a prompt.
        reply_id = message["quick_reply"].get("payload", "")
        message_type = "quick_reply"
    return NormalizedMessage(
        channel=channel,
        provider_message_id=message["mid"],
        kind=Kind.MESSAGE,
        sender_id=sender,
        # The page- (or Instagram-) scoped id is the only address a DM can go to.
        reply_address=sender,
        message_type=message_type,
        text=text,
        attachments=tuple(media),
        reply_id=reply_id,
        reply_to=(message.get("reply_to") or {}).get("mid", ""),
        timestamp=_seconds(event.get("timestamp")),
        **location,
    )


def _postback(event: dict[str, Any], channel: str) -> NormalizedMessage:
    postback = event["postback"]
    sender = _sender(event)
    # Newer deliveries carry a mid; older ones do not, so the sender's timestamp stands in.
    provider_id = postback.get("mid") or f"postback:{sender}:{event.get('timestamp', '')}"
    return NormalizedMessage(
        channel=channel,
        provider_message_id=provider_id,
        sender_id=sender,
        reply_address=sender,
        message_type="postback",
        text=postback.get("title", ""),
        reply_id=postback.get("payload", ""),
        timestamp=_seconds(event.get("timestamp")),
    )


def _message_edit(event: dict[str, Any], channel: str) -> NormalizedMessage:
    edit = event["message_edit"]
    sender = _sender(event)
    return NormalizedMessage(
        channel=channel,
        # num_edit counts the edits of one message, so each edit is stored once.
        provider_message_id=f"{edit['mid']}:edited:{edit.get('num_edit', 0)}",
        kind=Kind.EDIT,
        edit_of=edit["mid"],
        sender_id=sender,
        reply_address=sender,
        message_type="edit",
        text=edit.get("text", ""),
        timestamp=_seconds(event.get("timestamp")),
    )


def _status(event: dict[str, Any], channel: str, *, mid: str, status: str) -> NormalizedMessage:
    citizen = _sender(event)
    return NormalizedMessage(
        channel=channel,
        provider_message_id=f"{mid}:{status}",
        kind=Kind.STATUS,
        sender_id=citizen,
        message_type="status",
        timestamp=_seconds(event.get("timestamp")),
        status_for=mid,
        status=status,
        status_recipient=citizen,
    )


# --- Page feed comments --------------------------------------------------------------------


def _page_comment(value: dict[str, Any], page_id: str) -> Iterator[NormalizedMessage]:
    if value.get("item") != "comment":
        return  # posts, reactions, shares, ...: not a citizen's message to us
    author = value.get("from") or {}
    author_id = str(author.get("id", ""))
    verb = value.get("verb")
    # The page answering on its own post is us; a removed comment leaves the complaint as is.
    if not author_id or author_id == page_id or verb not in ("add", "edited"):
        return
    comment_id = str(value["comment_id"])
    text = value.get("message", "") or ""
    common: dict[str, Any] = {
        "channel": Channel.FACEBOOK,
        "sender_id": author_id,
        "sender_name": (author.get("name") or "").strip(),
        # from.id is not a Messenger PSID: replies go as a private reply to the comment
        # (thread_ref), which opens the Messenger conversation; see docs/channels/meta.md.
        "reply_address": author_id,
        "thread_ref": comment_id,
        "is_public": True,
        "text": text,
        "timestamp": _seconds(value.get("created_time")),
    }
    if verb == "edited":
        # Edits keep the comment id and (as far as documented) its created_time, so the
        # new text itself tells one edit from another; a redelivery hashes the same.
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        yield NormalizedMessage(
            provider_message_id=f"{comment_id}:edited:{digest}",
            kind=Kind.EDIT,
            edit_of=comment_id,
            message_type="edit",
            **common,
        )
        return
    photo = value.get("photo") or ""
    yield NormalizedMessage(
        provider_message_id=comment_id,
        message_type="image" if photo else "text",
        attachments=(MediaRef(media_id="", mime_type="", kind="image", url=photo),)
        if photo
        else (),
        reply_to=str(value.get("parent_id", "")),
        **common,
    )


# --- Instagram comments and mentions -------------------------------------------------------


def _instagram_comment(value: dict[str, Any], account_id: str) -> Iterator[NormalizedMessage]:
    author = value.get("from") or {}
    author_id = str(author.get("id", ""))
    if not author_id or author_id == account_id:
        return  # the account's own comment (our answer under a post)
    comment_id = str(value["id"])
    yield NormalizedMessage(
        channel=Channel.INSTAGRAM,
        provider_message_id=comment_id,
        sender_id=author_id,
        sender_name=(author.get("username") or "").strip(),
        reply_address=author_id,
        thread_ref=comment_id,
        is_public=True,
        message_type="text",
        text=value.get("text", "") or "",
        reply_to=str(value.get("parent_id") or (value.get("media") or {}).get("id", "")),
    )


def _instagram_mention(value: dict[str, Any]) -> NormalizedMessage:
    # Only ids arrive: the caption or comment text and its author must be read from the
    # Graph API, so this is stored (and visible to staff) but carries no content yet.
    media_id = str(value["media_id"])
    comment_id = str(value.get("comment_id") or "")
    return NormalizedMessage(
        channel=Channel.INSTAGRAM,
        provider_message_id=f"mention:{media_id}:{comment_id}",
        message_type="mention",
        is_public=True,
        thread_ref=comment_id,
        reply_to=media_id,
    )
