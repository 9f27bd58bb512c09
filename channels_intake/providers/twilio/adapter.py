"""Twilio Programmable Messaging: verify X-Twilio-Signature and parse inbound SMS/MMS forms.

No database and no routing here: the view stores what this module accepts, and
channels_intake.services decides what each message becomes. The signature is Twilio's
own algorithm (reference §3.2), written here and proven against
twilio.request_validator.RequestValidator in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import phonenumbers

from channels_intake.keywords import Command
from channels_intake.keywords import parse as parse_keyword
from channels_intake.normalized import Kind, MediaRef, NormalizedMessage, PayloadError
from complaints.models import Channel

SIGNATURE_HEADER = "X-Twilio-Signature"
PHONE_REGION = "ID"
# Twilio allows at most 10 media per MMS; more is not a Twilio form.
MAX_MEDIA = 10
# What an inbound message says in SmsStatus; anything else is a status callback about
# one of OUR outbound messages (a StatusCallback pointed at this URL).
_INBOUND_STATUSES = frozenset({"received", "receiving"})
# Twilio's outbound statuses in the outbox's words (outbox._DELIVERY_RANK).
_DELIVERY = {"sent": "sent", "delivered": "delivered", "read": "read"}
_FAILED = frozenset({"failed", "undelivered", "canceled"})
_DIGITS = re.compile(r"\d{8,15}")

__all__ = [
    "SIGNATURE_HEADER",
    "PayloadError",
    "account_sid",
    "e164",
    "form_fields",
    "parse",
    "public_url",
    "sign",
    "verify_signature",
]


def public_url(base_url: str, path: str, query_string: str = "") -> str:
    """The URL Twilio signed: the public base (as registered in Twilio's console), the path
    and the query string exactly as received. Never the Host header: behind a proxy it is
    the internal name, and a client could set it to anything."""
    url = base_url.rstrip("/") + path
    return f"{url}?{query_string}" if query_string else url


def form_fields(raw_body: bytes) -> list[tuple[str, str]]:
    """The posted pairs in order, blank values kept (Twilio signs them too)."""
    try:
        text = raw_body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"The body is not a URL-encoded UTF-8 form: {exc}") from None


def sign(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """X-Twilio-Signature for `params` posted to `url`: base64 HMAC-SHA1 of the URL followed
    by every name and value, names sorted and each name's values sorted (as Twilio does,
    a repeated identical pair counts once)."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _with_and_without_port(url: str) -> list[str]:
    """Twilio signs with or without the default port depending on its edge; accept both."""
    parts = urlsplit(url)
    if parts.port is not None:
        return [url, urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))]
    port = 443 if parts.scheme == "https" else 80
    return [url, urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))]


def verify_signature(raw_body: bytes, *, url: str, signature: str | None, auth_token: str) -> bool:
    """True when `signature` is Twilio's for these raw form bytes posted to `url`."""
    if not auth_token or not signature:
        return False
    try:
        params = form_fields(raw_body)
    except PayloadError:
        return False
    given = signature.strip().encode()
    matches = [
        hmac.compare_digest(given, sign(candidate, params, auth_token).encode())
        for candidate in _with_and_without_port(url)
    ]
    return any(matches)


def account_sid(raw_body: bytes) -> str:
    """The AccountSid the form names ("" when absent)."""
    return dict(form_fields(raw_body)).get("AccountSid", "")


def e164(raw: str) -> str:
    """An Indonesian-first phone number as E.164 (+62...), or "" for a short code, an
    alphanumeric sender or anything that is not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif _DIGITS.fullmatch(compact) and compact.startswith("62"):
        # Aggregators send 62812...; without the plus it would read as a national number.
        compact = "+" + compact
    try:
        number = phonenumbers.parse(compact, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def report_text(body: str) -> str:
    """The complaint text: the optional LAPOR keyword dropped; other keywords kept whole
    (CEK <kode> and INFO are answered, never filed)."""
    parsed = parse_keyword(body)
    return parsed.argument if parsed.command == Command.REPORT else body.strip()


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    """The one message (or delivery status) of a Twilio form; PayloadError if it is not one."""
    pairs = form_fields(raw_body)
    if not pairs:
        raise PayloadError("The body is empty; Twilio posts a form.")
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
    if not sid:
        raise PayloadError("MessageSid is missing.")
    sender = fields.get("From", "").strip()
    if sender.startswith("whatsapp:"):
        # WhatsApp through Twilio: not this channel (replies would leave by SMS). The
        # WhatsApp channel is the Cloud API webhook.
        return []
    status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "received").lower()
    if status not in _INBOUND_STATUSES:
        return _status(sid, status, fields)
    if not sender:
        raise PayloadError("From is missing.")
    attachments = _media(sid, fields)
    phone = e164(sender)
    identity = phone or sender
    return [
        NormalizedMessage(
            channel=Channel.SMS,
            provider_message_id=sid,
            kind=Kind.MESSAGE,
            sender_id=identity,
            sender_phone=phone,
            reply_address=identity,
            message_type=attachments[0].kind if attachments else "text",
            text=report_text(fields.get("Body", "")),
            attachments=attachments,
        )
    ]


def _media(sid: str, fields: dict[str, str]) -> tuple[MediaRef, ...]:
    raw_count = fields.get("NumMedia", "0").strip() or "0"
    if not raw_count.isdigit() or int(raw_count) > MAX_MEDIA:
        raise PayloadError(f"NumMedia is {raw_count!r}, not a count from 0 to {MAX_MEDIA}.")
    media = []
    for i in range(int(raw_count)):
        url = fields.get(f"MediaUrl{i}", "")
        if not url:
            raise PayloadError(f"NumMedia is {raw_count} but MediaUrl{i} is missing.")
        mime_type = fields.get(f"MediaContentType{i}", "")
        media.append(
            MediaRef(media_id=f"{sid}:{i}", url=url, mime_type=mime_type, kind=_kind(mime_type))
        )
    return tuple(media)


def _kind(mime_type: str) -> str:
    major = mime_type.split("/", 1)[0].lower()
    return major if major in ("image", "video", "audio") else "document"


def _status(sid: str, status: str, fields: dict[str, str]) -> list[NormalizedMessage]:
    """A StatusCallback about one of our messages: it updates that outbox row only."""
    delivery = "failed" if status in _FAILED else _DELIVERY.get(status, status)
    code = fields.get("ErrorCode", "")
    return [
        NormalizedMessage(
            channel=Channel.SMS,
            provider_message_id=f"{sid}:{delivery}",
            kind=Kind.STATUS,
            sender_id=fields.get("To", ""),
            message_type="status",
            status_for=sid,
            status=delivery,
            status_recipient=fields.get("To", ""),
            status_errors=(f"{code}: {status}",) if code else (),
        )
    ]
