"""X (Twitter) Account Activity API: the CRC, the signature and the v1.1-shaped deliveries.

Pure functions, no database. A delivery names our account (`for_user_id`) and carries
mentions and replies (`tweet_create_events`, v1.1 Tweet objects) or direct messages
(`direct_message_events`). What is not a citizen writing to us is not returned: our own
tweets and DMs (X sends those too), retweets, and every other activity (likes, follows,
typing, read receipts, deletes). See docs/channels/x.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import mimetypes
import re
from collections.abc import Iterator
from datetime import datetime
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

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
_PREFIX = "sha256="
# One leading "@handle" and the blanks after it (handles are letters, digits, underscore).
_LEADING_MENTION = re.compile(r"@(\w{1,50})\s*", re.ASCII)

__all__ = [
    "SIGNATURE_HEADER",
    "PayloadError",
    "crc_response_token",
    "parse",
    "sign",
    "verify_signature",
]


def _digest(secret: str, message: bytes) -> str:
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return _PREFIX + base64.b64encode(mac).decode()


def crc_response_token(crc_token: str, consumer_secret: str) -> str:
    """The `response_token` that proves to X we hold the consumer secret."""
    return _digest(consumer_secret, crc_token.encode())


def sign(raw_body: bytes, consumer_secret: str) -> str:
    """The x-twitter-webhooks-signature X sends for these exact bytes (base64, not hex)."""
    return _digest(consumer_secret, raw_body)


def verify_signature(raw_body: bytes, header: str | None, consumer_secret: str) -> bool:
    """True when `header` is the HMAC-SHA256 of the raw body under the consumer secret."""
    if not consumer_secret or not header or not header.startswith(_PREFIX):
        return False
    # Base64 is case-sensitive: compare exactly, in constant time.
    return hmac.compare_digest(header.strip().encode(), sign(raw_body, consumer_secret).encode())


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    """Every citizen tweet and DM in one delivery, in order; PayloadError if it is not one."""
    payload = json_object(raw_body)
    account = payload.get("for_user_id")
    if not account:
        raise PayloadError("No for_user_id: not an Account Activity API delivery.")
    with payload_shape():
        return list(_messages(payload, str(account)))


def _messages(payload: dict[str, Any], account: str) -> Iterator[NormalizedMessage]:
    for tweet in payload.get("tweet_create_events") or []:
        message = _tweet(tweet, account)
        if message is not None:
            yield message
    users = payload.get("users") or {}
    for event in payload.get("direct_message_events") or []:
        message = _direct_message(event, account, users)
        if message is not None:
            yield message


# --- Tweets (mentions and replies) -----------------------------------------------------------


def _tweet(tweet: dict[str, Any], account: str) -> NormalizedMessage | None:
    user = tweet["user"]
    user_id = str(user["id_str"])
    if user_id == account:
        # Our own tweets, including the replies the outbox posts: answering them would loop.
        return None
    if tweet.get("retweeted_status"):
        # Someone retweeting our post (or a post mentioning us) adds no words of their own.
        return None
    tweet_id = str(tweet["id_str"])
    # A tweet over 140 characters is "truncated": its whole text and entities are here.
    extended = tweet.get("extended_tweet") or {}
    text = extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
    source = extended or tweet
    entities = source.get("entities") or {}
    media = (source.get("extended_entities") or {}).get("media") or entities.get("media") or []

    photos = _photos(media)
    # The t.co link of each attached photo is appended to the text; the photo says it better.
    for item in media:
        if item.get("url"):
            text = text.replace(item["url"], "")
    ours = {
        m["screen_name"].lower()
        for m in entities.get("user_mentions") or []
        if str(m.get("id_str")) == account and m.get("screen_name")
    }
    replied_to = tweet.get("in_reply_to_screen_name")
    if replied_to and str(tweet.get("in_reply_to_user_id_str")) == account:
        ours.add(replied_to.lower())
    # v1.1 escapes &, < and > in tweet text.
    text = html.unescape(_strip_leading_mentions(text, ours)).strip()

    latitude, longitude, address = _tweet_location(tweet)
    if photos:
        message_type = "image"
    elif not text and latitude is not None:
        message_type = "location"
    else:
        message_type = "text"
    return NormalizedMessage(
        channel=Channel.TWITTER,
        provider_message_id=tweet_id,
        kind=Kind.MESSAGE,
        sender_id=user_id,
        sender_name=_display_name(user),
        # The outbox answers in the thread (thread_ref); the user id is the recipient of record.
        reply_address=user_id,
        thread_ref=tweet_id,
        is_public=True,
        message_type=message_type,
        text=text,
        attachments=photos,
        latitude=latitude,
        longitude=longitude,
        address=address,
        reply_to=str(tweet.get("in_reply_to_status_id_str") or ""),
        timestamp=_tweet_timestamp(tweet),
    )


def _strip_leading_mentions(text: str, ours: set[str]) -> str:
    """Drop our account's @handles from the run of mentions the text starts with.

    Other accounts in that run stay (a reply in someone's thread names them, and a citizen
    may address an agency too); a mention of us later in the sentence is part of it.
    """
    rest = text.lstrip()
    kept: list[str] = []
    dropped = False
    while match := _LEADING_MENTION.match(rest):
        if match.group(1).lower() in ours:
            dropped = True
        else:
            kept.append(f"@{match.group(1)}")
        rest = rest[match.end() :]
    if dropped:
        # "@pemkot: jalan rusak" reads "jalan rusak" once the handle is gone.
        rest = rest.lstrip(":,; \t\n")
    return " ".join([*kept, rest]) if kept else rest


def _photos(media: list[dict[str, Any]]) -> tuple[MediaRef, ...]:
    """Photos only: a video or GIF's media_url is just its thumbnail."""
    seen: dict[str, MediaRef] = {}
    for item in media:
        url = item.get("media_url_https") or item.get("media_url") or ""
        if item.get("type") != "photo" or not url:
            continue
        media_id = str(item.get("id_str") or item.get("id") or url)
        seen.setdefault(media_id, _image(media_id, url))
    return tuple(seen.values())


def _image(media_id: str, url: str) -> MediaRef:
    mime_type = mimetypes.guess_type(url.split("?", 1)[0])[0] or "image/jpeg"
    return MediaRef(media_id=media_id, mime_type=mime_type, kind="image", url=url)


def _tweet_location(tweet: dict[str, Any]) -> tuple[float | None, float | None, str]:
    """(latitude, longitude, address). GeoJSON puts longitude first: [lon, lat].

    An exact point (`coordinates`) wins. A tagged place gives its name as the address and,
    when it is a point of interest, the centre of its box; a city or neighbourhood's box
    is far too large to stand for where the problem is, so it gives no point.
    """
    place = tweet.get("place") or {}
    address = place.get("full_name") or place.get("name") or ""
    point = tweet.get("coordinates") or {}
    if point.get("type") == "Point" and point.get("coordinates"):
        longitude, latitude = point["coordinates"][:2]
        return float(latitude), float(longitude), address
    box = (place.get("bounding_box") or {}).get("coordinates") or []
    if place.get("place_type") == "poi" and box and box[0]:
        corners = box[0]
        longitude = sum(float(c[0]) for c in corners) / len(corners)
        latitude = sum(float(c[1]) for c in corners) / len(corners)
        return round(latitude, 6), round(longitude, 6), address
    return None, None, address


def _tweet_timestamp(tweet: dict[str, Any]) -> int | None:
    if tweet.get("timestamp_ms"):
        return int(tweet["timestamp_ms"]) // 1000
    if tweet.get("created_at"):
        # "Wed May 01 08:00:00 +0000 2024"
        return int(datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y").timestamp())
    return None


def _display_name(user: dict[str, Any]) -> str:
    name = (user.get("name") or "").strip()
    if name:
        return name
    return f"@{user['screen_name']}" if user.get("screen_name") else ""


# --- Direct messages -------------------------------------------------------------------------


def _direct_message(
    event: dict[str, Any], account: str, users: dict[str, Any]
) -> NormalizedMessage | None:
    if event.get("type") != "message_create":
        return None
    create = event["message_create"]
    sender = str(create["sender_id"])
    if sender == account:
        # The DMs we send arrive too, as events whose sender is us.
        return None
    data = create.get("message_data") or {}
    text = data.get("text") or ""
    attachment = data.get("attachment") or {}
    attachments: tuple[MediaRef, ...] = ()
    latitude = longitude = None
    if attachment.get("type") == "media":
        media = attachment.get("media") or {}
        if media.get("url"):
            text = text.replace(media["url"], "")
        attachments = _photos([media])
    elif attachment.get("type") == "location":
        shared = (attachment.get("location") or {}).get("shared_coordinate") or {}
        point = shared.get("coordinates") or {}
        if point.get("coordinates"):
            lon, lat = point["coordinates"][:2]
            latitude, longitude = float(lat), float(lon)
    text = text.strip()
    if attachments:
        message_type = "image"
    elif latitude is not None and not text:
        message_type = "location"
    else:
        message_type = "text"
    created = event.get("created_timestamp")
    return NormalizedMessage(
        channel=Channel.TWITTER,
        provider_message_id=str(event["id"]),
        kind=Kind.MESSAGE,
        sender_id=sender,
        sender_name=_display_name(users.get(sender) or {}),
        reply_address=sender,
        is_public=False,
        message_type=message_type,
        text=text,
        attachments=attachments,
        latitude=latitude,
        longitude=longitude,
        reply_id=str((data.get("quick_reply_response") or {}).get("metadata") or ""),
        timestamp=int(created) // 1000 if created else None,
    )
