"""What one stored message means: an ordered list of small handlers, the first one that
knows wins (channels_intake.services runs them).

Each handler looks at the message (`Incoming`) and returns an Outcome when the message is
its case, or None to pass it on. A handler may note the complaint or draft the message
became; it never sets the message's state: channels_intake.inbox does that, from the
outcome, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

from complaints.lifecycle import CITIZEN_ACTOR
from complaints.models import Complaint, Reporter
from complaints.services import complaint_create, complaint_reporter_edit
from dispositions.selectors import complaints_awaiting_answer
from dispositions.services import disposition_provide_info

from . import keywords, messages
from .conversations import (
    draft_add,
    draft_cancel,
    draft_command,
    draft_submit,
    fallback_text,
    open_draft,
    uses_draft,
)
from .entries import Entry, entry_complaint_create
from .inbox import Outcome
from .media import media_register
from .models import Conversation, InboundMessage, OutboundMessage
from .normalized import Kind, NormalizedMessage
from .outbox import outbound_delivery_update, outbound_enqueue
from .parsing import stored_message_or_none
from .reporters import reporter_for

# Message types that become a complaint; button and list replies answer our prompts
# (the conversation flow), reactions and the rest carry nothing to act on.
COMPLAINT_TYPES = frozenset(
    {"text", "image", "document", "video", "audio", "location", "story_mention"}
)


@dataclass
class Incoming:
    """One stored message being processed, and what the handlers learned of it so far."""

    message: InboundMessage
    normalized: NormalizedMessage
    # A typed entry (web form, API, desk, partner): its validated fields.
    entry: Entry | None = None
    # Set by the keyword handler: LAPOR in front asks for a new report, not an answer.
    explicit_report: bool = False
    draft: Conversation | None = None
    verb: str | None = None

    @cached_property
    def reporter(self) -> Reporter:
        return reporter_for(self.normalized)


Handler = Callable[[Incoming], Outcome | None]


def typed_entry(incoming: Incoming) -> Outcome | None:
    """A form, the API, the desk or a partner: the complaint exactly as it was typed."""
    if incoming.entry is None:
        return None
    incoming.message.complaint = entry_complaint_create(incoming.entry)
    return Outcome.PROCESSED


def edit(incoming: Incoming) -> Outcome | None:
    """The citizen edited an earlier message: its complaint follows, nothing new is made."""
    if incoming.normalized.kind != Kind.EDIT:
        return None
    message, normalized = incoming.message, incoming.normalized
    original = (
        InboundMessage.objects.select_related("complaint")
        .filter(channel=message.channel, provider_message_id=normalized.edit_of)
        .first()
    )
    if original is None or original.complaint is None:
        message.last_error = (
            "Edit of a message we never received."
            if original is None
            else "Edit of a message that is not (yet) part of a complaint; left as it was."
        )
        return Outcome.IGNORED
    complaint = original.complaint
    # A complaint may join several messages (a draft): replace only the edited one's words.
    before = _edited_text_before(message, normalized, original)
    text = normalized.text.strip()
    if before and before in complaint.text:
        text = complaint.text.replace(before, text, 1)
    complaint_reporter_edit(complaint=complaint, text=text)
    message.complaint = complaint
    return Outcome.PROCESSED


def _edited_text_before(
    message: InboundMessage, normalized: NormalizedMessage, original: InboundMessage
) -> str:
    """The text the edited message had until now: its latest applied edit, else its own."""
    applied = (
        InboundMessage.objects.filter(
            channel=message.channel,
            complaint=original.complaint,
            state=InboundMessage.State.PROCESSED,
        )
        .exclude(pk__in=[message.pk, original.pk])
        .order_by("-processed_at", "-pk")
    )
    for stored in [*applied, original]:
        parsed = stored_message_or_none(stored)
        if parsed is None:
            continue
        # Another message's edit on the same complaint is not this one's history.
        if stored.pk == original.pk or parsed.edit_of == normalized.edit_of:
            return parsed.text.strip()
    return ""


def delivery_status(incoming: Incoming) -> Outcome | None:
    """A delivery status of one of our replies: it updates that outbound row only."""
    normalized = incoming.normalized
    if normalized.kind != Kind.STATUS:
        return None
    outbound_delivery_update(
        provider_message_id=normalized.status_for,
        status=normalized.status,
    )
    return Outcome.IGNORED


def contact_card(incoming: Incoming) -> Outcome | None:
    """The citizen shared their own number (Telegram): remember it, nothing to file."""
    if incoming.normalized.message_type != "contact" or not incoming.normalized.sender_phone:
        return None
    reporter_for(incoming.normalized)
    return Outcome.PROCESSED


def nothing_to_act_on(incoming: Incoming) -> Outcome | None:
    """Reactions, stickers of nothing, system notices, empty messages: kept, nothing to do."""
    normalized = incoming.normalized
    if normalized.message_type not in COMPLAINT_TYPES and not normalized.reply_id:
        return Outcome.IGNORED
    if not normalized.has_content:
        return Outcome.IGNORED
    return None


def keyword(incoming: Incoming) -> Outcome | None:
    """CEK/STATUS and INFO are answered on the channel, no complaint made; a leading LAPOR
    is taken off and marks a new report."""
    normalized, message = incoming.normalized, incoming.message
    reporter = incoming.reporter
    if normalized.message_type != "text":
        return None
    command = keywords.parse(normalized.text)
    answer = keywords.answer(command, reporter=reporter, phone=reporter.phone)
    if answer is not None:
        if message.reply_address:
            outbound_enqueue(
                channel=message.channel,
                recipient=message.reply_address,
                thread_ref=message.thread_ref,
                body=answer.text,
                complaint=answer.complaint,
                dedupe_key=keywords.dedupe_key(message.channel, message.provider_message_id),
            )
        return Outcome.PROCESSED
    incoming.explicit_report = command.argument != normalized.text.strip()
    incoming.normalized = replace(normalized, text=command.argument)
    return None


def draft_verb(incoming: Incoming) -> Outcome | None:
    """KIRIM or BATAL (typed or a button) acts on the sender's open draft."""
    normalized, message = incoming.normalized, incoming.message
    incoming.verb = draft_command(normalized)
    if uses_draft(normalized):
        incoming.draft = open_draft(channel=normalized.channel, sender_id=normalized.sender_id)
    draft = incoming.draft
    if draft is not None and incoming.verb == "submit":
        message.conversation = draft
        message.complaint = draft_submit(conversation_id=draft.pk)
        return Outcome.PROCESSED
    if draft is not None and incoming.verb == "cancel":
        message.conversation = draft
        draft_cancel(draft=draft)
        return Outcome.PROCESSED
    if normalized.reply_id and normalized.message_type not in COMPLAINT_TYPES:
        # A button of a prompt that is no longer open.
        return Outcome.IGNORED
    return None


def answer_to_question(incoming: Incoming) -> Outcome | None:
    """The reporter's answer to an agency's question goes to it and its clock runs again."""
    if incoming.draft is not None or incoming.explicit_report:
        return None
    complaint = _complaint_awaiting(incoming.reporter, incoming.normalized)
    if complaint is None:
        return None
    message, normalized = incoming.message, incoming.normalized
    answer = normalized.text.strip() or fallback_text(
        message.channel, has_location=normalized.latitude is not None
    )
    if normalized.latitude is not None and normalized.address:
        answer = f"{answer}\n{normalized.address}" if normalized.text.strip() else answer
    disposition_provide_info(complaint=complaint, actor=CITIZEN_ACTOR, answer=answer)
    message.complaint = complaint
    media_register(message=message, normalized=normalized, complaint=complaint)
    if message.reply_address:
        outbound_enqueue(
            channel=message.channel,
            recipient=message.reply_address,
            thread_ref=message.thread_ref,
            body=messages.answer_received_text(complaint),
            kind=OutboundMessage.Kind.OTHER,
            complaint=complaint,
            dedupe_key=f"answer:{message.channel}:{message.provider_message_id}",
        )
    return Outcome.PROCESSED


def _complaint_awaiting(reporter: Reporter, normalized: NormalizedMessage) -> Complaint | None:
    """The complaint whose agency waits for this reporter's answer, if this can be one.

    A message quoting our question (WhatsApp's context id) answers that complaint; any
    other message from a reporter with a pending question answers the latest question.
    Starting with LAPOR files a new report instead.
    """
    if normalized.reply_to:
        quoted = (
            OutboundMessage.objects.filter(
                provider_message_id=normalized.reply_to, complaint__isnull=False
            )
            .values_list("complaint_id", flat=True)
            .first()
        )
        if quoted is not None:
            hit = complaints_awaiting_answer(reporter=reporter).filter(pk=quoted).first()
            if hit is not None:
                return hit
    return complaints_awaiting_answer(reporter=reporter).first()


def draft(incoming: Incoming) -> Outcome | None:
    """On chat channels a message joins the sender's draft (docs/conversations.md)."""
    normalized, message = incoming.normalized, incoming.message
    if incoming.verb is not None and incoming.draft is None and not normalized.attachments:
        # A bare KIRIM or BATAL with no draft to act on (sent twice, or too late).
        return Outcome.IGNORED
    if not uses_draft(normalized):
        return None
    draft_add(
        draft=incoming.draft, message=message, normalized=normalized, reporter=incoming.reporter
    )
    media_register(message=message, normalized=normalized, complaint=None)
    return Outcome.PROCESSED


def new_complaint(incoming: Incoming) -> Outcome:
    """Anything left is a report of its own: one message, one complaint."""
    normalized, message = incoming.normalized, incoming.message
    complaint = complaint_create(
        channel=message.channel,
        text=normalized.text.strip()
        or fallback_text(message.channel, has_location=normalized.latitude is not None),
        latitude=normalized.latitude,
        longitude=normalized.longitude if normalized.latitude is not None else None,
        address=normalized.address,
        reporter=incoming.reporter,
    )
    message.complaint = complaint
    media_register(message=message, normalized=normalized, complaint=complaint)
    return Outcome.PROCESSED


# In order: the first handler that returns an Outcome decides.
HANDLERS: tuple[Handler, ...] = (
    typed_entry,
    edit,
    delivery_status,
    contact_card,
    nothing_to_act_on,
    keyword,
    draft_verb,
    answer_to_question,
    draft,
    new_complaint,
)
