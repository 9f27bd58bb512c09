"""Email: one RFC 822 message in, the citizen's words out; robots and quoted history left out.

The inbox stores the raw message (a provider's webhook through django-anymail, or IMAP)
and the worker parses the same bytes again here, so what is processed is exactly what was
received. No database and no signature here: the providers' signatures and basic auth are
django-anymail's (webhook.py beside this file).

Messages from machines are not returned at all: auto-replies, bounces, bulk mail and our
own address. Answering an out-of-office reply with an acknowledgment that draws another
out-of-office reply is the classic email loop.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from typing import cast

from django.conf import settings

from channels_intake.normalized import Kind, MediaRef, NormalizedMessage, PayloadError
from channels_intake.providers.email.text import html_to_text, strip_quoted, unflow
from complaints.models import Channel

logger = logging.getLogger(__name__)

__all__ = [
    "PayloadError",
    "automatic_reason",
    "html_to_text",
    "message_from_bytes",
    "normalize_message_id",
    "parse",
    "part_at",
    "strip_quoted",
]

MAX_ID_LENGTH = 255  # InboundMessage.provider_message_id
# Leading "Re:", "Fwd:", "Bls:" (Indonesian Outlook), "AW:", "[2]"-counted ones, repeated.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|antw|bls|balas|fw|fwd|tr|wg|rv|trs)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_FORWARD = re.compile(r"^\s*(?:fw|fwd|tr|wg|rv|trs)\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)
# Subjects of out-of-office replies from servers that set none of the headers below.
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|auto[- ]?response|out of (?:the )?office"
    r"|balasan otomatis|undeliverable|delivery status notification|mail delivery failed)\b",
    re.IGNORECASE,
)
# Local parts that never read replies: bounces, postmasters, no-reply senders.
_ROBOT_SENDERS = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)(?:[+\-.].*)?$",
    re.IGNORECASE,
)
# Parts that are not a citizen's file: signatures and Outlook's rich-text container.
_SKIPPED_TYPES = frozenset(
    {
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-keys",
        "application/ms-tnef",
    }
)


def message_from_bytes(raw: bytes) -> EmailMessage:
    """The parsed message, with the modern policy (decoded headers, get_body, get_content)."""
    # policy.default's message factory is EmailMessage.
    return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))


def normalize_message_id(value: str) -> str:
    """A Message-ID (or In-Reply-To) without its angle brackets and whitespace; "" if none."""
    match = re.search(r"<([^<>\s]+)>", value or "")
    if match:
        return match.group(1)
    return "".join((value or "").split()).strip("<>")


def parse(raw: bytes) -> list[NormalizedMessage]:
    """The one message in `raw`, or [] for a machine's message; PayloadError if not an email."""
    if not raw or not raw.strip():
        raise PayloadError("The message is empty.")
    message = message_from_bytes(bytes(raw))
    if not message.keys():
        raise PayloadError("This is not an RFC 822 message: it has no header fields.")
    sender_email, sender_name = _sender(message)
    message_id = normalize_message_id(_header(message, "Message-ID"))
    reason = automatic_reason(message, sender_email=sender_email)
    if reason:
        logger.info("Email %s from %r ignored: %s", message_id or "-", sender_email, reason)
        return []

    subject = " ".join(_header(message, "Subject").split())
    forward = bool(_FORWARD.match(subject))
    body_part, body = _body(message, keep_quotes=forward)
    topic = _PREFIX.sub("", subject).strip()
    text = f"{topic}\n\n{body}" if topic and body else (topic or body)
    attachments = tuple(_attachments(message, body_part))
    # Files without a word are typed by their first file, like a photo sent alone.
    message_type = "text" if text.strip() or not attachments else attachments[0].kind
    return [
        NormalizedMessage(
            channel=Channel.EMAIL,
            provider_message_id=_provider_id(message, message_id),
            kind=Kind.MESSAGE,
            sender_id=sender_email,
            sender_email=sender_email,
            sender_name=sender_name,
            reply_address=sender_email,
            # Our reply carries In-Reply-To/References to it, so it lands in the thread.
            thread_ref=message_id if len(message_id) <= MAX_ID_LENGTH else "",
            message_type=message_type,
            subject=subject,
            text=text.strip(),
            attachments=attachments,
            reply_to=normalize_message_id(_header(message, "In-Reply-To")),
            timestamp=_timestamp(message),
        )
    ]


def automatic_reason(message: EmailMessage, *, sender_email: str) -> str:
    """Why this message was written by a machine (RFC 3834 and common practice), or ""."""
    auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autogenerated"):
        if message.get(name) is not None:
            return f"{name} header"
    if message.get_content_type() == "multipart/report":
        return "a delivery or read report"
    if normalize_message_id(_header(message, "Return-Path")) == "" and "Return-Path" in message:
        return "a null envelope sender (a bounce)"
    local_part = sender_email.rpartition("@")[0]
    if local_part and _ROBOT_SENDERS.match(local_part):
        return f"a robot's address ({sender_email})"
    if sender_email and sender_email in _own_addresses():
        return "sent from our own address"
    if _AUTO_SUBJECT.match(_header(message, "Subject")):
        return "an automatic reply's subject"
    return ""


def part_at(message: EmailMessage, index: int) -> EmailMessage | None:
    """The part at `index` in walk() order: what MediaRef.media_id names."""
    for position, part in enumerate(message.walk()):
        if position == index:
            return part
    return None


def part_filename(part: EmailMessage) -> str:
    """The attachment's own name, without any directory, at most 255 characters."""
    try:
        name = part.get_filename() or ""
    except (ValueError, LookupError, TypeError):
        name = ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable()).strip()[:255]


def _own_addresses() -> set[str]:
    return {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()} - {""}


def _header(message: EmailMessage, name: str) -> str:
    """A header's decoded value ("" if absent); a header the policy cannot parse comes raw."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except Exception:  # the stdlib's header parser has edge-case crashes on broken input
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                return str(raw)
        return ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The From address (lowercased) and display name; ("", "") when there is none."""
    email, name = "", ""
    try:
        addresses = getattr(message.get("From"), "addresses", ())
        if addresses:
            email, name = addresses[0].addr_spec, addresses[0].display_name
    except Exception:  # a broken From: fall back to the lenient parser below
        addresses = ()
    if not addresses:
        name, email = parseaddr(_header(message, "From"))
    email = email.strip().strip("<>").lower()
    if "@" not in email or any(c.isspace() for c in email):
        email = ""
    return email, " ".join((name or "").split())


def _provider_id(message: EmailMessage, message_id: str) -> str:
    """The dedupe key: the Message-ID, or a digest of what the message says.

    The digest covers the addressing headers and every part's decoded content, not the
    raw bytes: a provider that rebuilds the MIME from parsed fields (Postmark without
    RawEmail, Mailgun's parsed form) picks new multipart boundaries on every retry.
    """
    if message_id and len(message_id) <= MAX_ID_LENGTH:
        return message_id
    digest = hashlib.sha256()
    if message_id:
        digest.update(message_id.encode("utf-8", "surrogateescape"))
    else:
        for name in ("From", "To", "Cc", "Date", "Subject"):
            digest.update(f"{name}: {_header(message, name)}\n".encode("utf-8", "surrogateescape"))
        for part in message.walk():
            if part.is_multipart():
                continue
            digest.update(part.get_content_type().encode() + b"\n")
            payload = part.get_payload(decode=True)
            digest.update((payload if isinstance(payload, bytes) else b"") + b"\n")
    return f"sha256:{digest.hexdigest()}"


def _timestamp(message: EmailMessage) -> int | None:
    try:
        moment = parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # "-0000": UTC, time zone unknown (RFC 5322)
    return int(moment.timestamp())


# --- The body --------------------------------------------------------------------------------


def _body(message: EmailMessage, *, keep_quotes: bool) -> tuple[EmailMessage | None, str]:
    """The part read as the body and its text: text/plain preferred, else HTML as text."""
    for preference in ("plain", "html"):
        part = message.get_body(preferencelist=(preference,))
        if part is None:
            continue
        text = _text_of(part)
        if preference == "html":
            text = html_to_text(text, keep_quotes=keep_quotes)
        elif _param(part, "format") == "flowed":
            text = unflow(text, delsp=_param(part, "delsp") == "yes")
        text = strip_quoted(text, keep_forwarded=keep_quotes)
        if text:
            return part, text
    return None, ""


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        content = None
    if isinstance(content, str):
        return content.replace("\r\n", "\n")
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    try:
        return raw.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # an unknown charset name
        return raw.decode("utf-8", "replace")


def _param(part: EmailMessage, name: str) -> str:
    value = part.get_param(name, "")
    return value.lower() if isinstance(value, str) else ""


def _kind(content_type: str) -> str:
    maintype = content_type.partition("/")[0]
    return maintype if maintype in ("image", "video", "audio") else "document"


def _attachments(message: EmailMessage, body_part: EmailMessage | None) -> Iterator[MediaRef]:
    """Every file part, named by its walk() position: the fetcher finds it there again."""
    for index, part in enumerate(message.walk()):
        if part.is_multipart() or part is body_part:
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        # Text parts are the body's alternatives unless sent as files.
        if part.get_content_maintype() == "text" and disposition != "attachment":
            continue
        if content_type in _SKIPPED_TYPES or content_type.startswith("message/"):
            continue
        yield MediaRef(
            media_id=str(index),
            mime_type=content_type,
            kind=_kind(content_type),
            filename=part_filename(part),
        )
