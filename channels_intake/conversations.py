"""Chat messages become complaints (docs/conversations.md).

On chat channels a citizen sends a photo, then the text, then the location, each as its
own message. Messages from one sender on one channel join one open draft
(`Conversation`) while they keep coming within CONVERSATION_WINDOW_SECONDS of each
other; the draft becomes one complaint when the citizen answers the prompt with KIRIM,
or when the window passes (the beat task `submit_due_conversations`). BATAL drops it.
Public posts (mentions, comments), SMS and email are complete in one message and make a
complaint at once, as every channel does when the window is 0.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Channel, Complaint, Reporter
from complaints.services import complaint_create

from . import messages
from .media import media_link
from .models import Conversation, InboundMessage, OutboundMessage
from .normalized import NormalizedMessage
from .outbox import outbound_enqueue

logger = logging.getLogger(__name__)

CHAT_CHANNELS = frozenset(
    {Channel.WHATSAPP, Channel.TELEGRAM, Channel.FACEBOOK, Channel.INSTAGRAM, Channel.TWITTER}
)
# The whole message, case-insensitive; or the button of the same meaning.
SUBMIT_WORDS = frozenset({"kirim", "ya", "selesai", "sudah", "send", "submit"})
CANCEL_WORDS = frozenset({"batal", "cancel"})
SUBMIT_REPLY_ID = "sigap_submit"
CANCEL_REPLY_ID = "sigap_cancel"

State = Conversation.State


def uses_draft(normalized: NormalizedMessage) -> bool:
    """Whether this message may be one part of a longer report."""
    return (
        normalized.channel in CHAT_CHANNELS
        and not normalized.is_public
        and settings.CONVERSATION_WINDOW_SECONDS > 0
    )


def _window() -> timedelta:
    return timedelta(seconds=settings.CONVERSATION_WINDOW_SECONDS)


def draft_command(normalized: NormalizedMessage) -> str | None:
    """ "submit" or "cancel" when the message answers the draft's prompt, else None."""
    word = " ".join(normalized.text.split()).strip(" .!").lower()
    if normalized.reply_id == SUBMIT_REPLY_ID or word in SUBMIT_WORDS:
        return "submit"
    if normalized.reply_id == CANCEL_REPLY_ID or word in CANCEL_WORDS:
        return "cancel"
    return None


def open_draft(*, channel: str, sender_id: str) -> Conversation | None:
    """The sender's open draft, row-locked (the caller is in a transaction)."""
    return (
        Conversation.objects.select_for_update()
        .filter(channel=channel, sender_id=sender_id, state=State.OPEN)
        .first()
    )


def draft_add(
    *,
    draft: Conversation | None,
    message: InboundMessage,
    normalized: NormalizedMessage,
    reporter: Reporter,
    now: datetime | None = None,
) -> Conversation:
    """Put one message into the sender's draft, opening one (and prompting) if needed."""
    now = now or timezone.now()
    if draft is None:
        draft = Conversation.objects.create(
            channel=normalized.channel,
            sender_id=normalized.sender_id,
            reporter=reporter,
            reply_address=normalized.address_for_reply,
            opened_at=now,
            last_message_at=now,
            closes_at=now + _window(),
        )
        _prompt(draft, messages.draft_opened_text(minutes=_minutes()), key="open")
    if normalized.latitude is not None:
        draft.latitude = round(normalized.latitude, 6)
        draft.longitude = round(normalized.longitude or 0, 6)
        draft.address = normalized.address[:255] or draft.address
    elif normalized.text.strip():
        draft.text = "\n".join(p for p in (draft.text, normalized.text.strip()) if p)
    draft.last_message_at = now
    draft.closes_at = now + _window()
    draft.save()
    message.conversation = draft
    return draft


def _minutes() -> int:
    return max(1, round(settings.CONVERSATION_WINDOW_SECONDS / 60))


def _prompt(draft: Conversation, body: str, *, key: str) -> None:
    if not draft.reply_address:
        return
    outbound_enqueue(
        channel=draft.channel,
        recipient=draft.reply_address,
        body=body,
        kind=OutboundMessage.Kind.OTHER,
        dedupe_key=f"draft:{draft.pk}:{key}",
    )


@transaction.atomic
def draft_submit(*, conversation_id: int) -> Complaint | None:
    """Turn an open draft into its complaint; None when it was submitted or dropped already."""
    draft = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
    if draft is None or draft.state != State.OPEN:
        return None
    parts = list(draft.messages.order_by("received_at", "id"))
    complaint = complaint_create(
        channel=draft.channel,
        text=draft.text or fallback_text(draft.channel, has_location=draft.latitude is not None),
        latitude=draft.latitude,
        longitude=draft.longitude if draft.latitude is not None else None,
        address=draft.address,
        reporter=draft.reporter,
    )
    InboundMessage.objects.filter(conversation=draft).update(complaint=complaint)
    media_link(complaint=complaint, messages=parts)
    draft.state = State.SUBMITTED
    draft.complaint = complaint
    draft.save(update_fields=["state", "complaint"])
    return complaint


@transaction.atomic
def draft_cancel(*, draft: Conversation) -> None:
    draft.state = State.CANCELLED
    draft.save(update_fields=["state"])
    _prompt(draft, messages.draft_cancelled_text(), key="cancelled")


def drafts_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open drafts whose window has passed: the beat submits them."""
    return list(
        Conversation.objects.filter(state=State.OPEN, closes_at__lte=now or timezone.now())
        .order_by("closes_at")
        .values_list("id", flat=True)[:limit]
    )


def fallback_text(channel: str, *, has_location: bool) -> str:
    """The complaint text when the citizen sent only a photo or a location."""
    label = Channel(channel).label
    if has_location:
        return _("Location shared on %(channel)s without a description.") % {"channel": label}
    return _("Photo sent on %(channel)s without a description.") % {"channel": label}
