"""The inbox: store each inbound message first, then turn it into a complaint in a worker.

`inbound_store` commits the raw message in its own transaction and only then asks a
worker to process it, so a message is never lost to a broker or worker that is down
(the beat sweeper relays what was stored but never enqueued). `inbound_process` is
idempotent: a redelivered task finds the message processed and does nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from complaints.lifecycle import CITIZEN_ACTOR
from complaints.models import Channel, Complaint, Reporter
from complaints.services import (
    complaint_create,
    complaint_reporter_edit,
    normalize_phone,
    reporter_fill_in,
    reporter_get_or_create,
)
from dispositions.selectors import complaints_awaiting_answer
from dispositions.services import disposition_provide_info

from . import keywords, messages
from .adapters import PARSERS
from .conversations import (
    draft_add,
    draft_cancel,
    draft_command,
    draft_submit,
    fallback_text,
    open_draft,
    uses_draft,
)
from .media import media_register
from .models import InboundMessage, OutboundMessage, ReporterHandle
from .normalized import Kind, NormalizedMessage
from .outbox import outbound_delivery_update, outbound_enqueue

logger = logging.getLogger(__name__)

State = InboundMessage.State
MAX_ATTEMPTS = 5
# Longer than the whole retry ladder (10 + 20 + 40 + 80 s, see tasks.process_inbound).
FAILED_RETRY_LOST_AFTER = timedelta(minutes=15)
# Errors that may pass by themselves (a locked or restarting database, a network blip).
TEMPORARY_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    # Two first messages of one new citizen at once: the loser finds the handle on retry.
    IntegrityError,
)
# Message types that become a complaint; button and list replies answer our prompts
# (the conversation flow), reactions and the rest carry nothing to act on.
COMPLAINT_TYPES = frozenset(
    {"text", "image", "document", "video", "audio", "location", "story_mention"}
)


class Outcome(enum.StrEnum):
    PROCESSED = "processed"
    IGNORED = "ignored"
    SKIPPED = "skipped"  # already done (or parked) before this run
    PARKED = "parked"


class TemporaryInboundError(Exception):
    """Processing failed for a reason that may pass; the task retries with backoff."""


def inbound_store(
    *,
    channel: str,
    message: NormalizedMessage,
    body: bytes,
    headers: Mapping[str, str],
    enqueue: bool = True,
) -> tuple[InboundMessage, bool]:
    """Commit one raw message (a redelivery returns the stored one) and enqueue it.

    `enqueue=False` for a caller that processes the message itself right after (the
    partner API answers with the complaint); the sweeper still catches it if that fails.
    """
    provider_message_id = message.provider_message_id
    # Insert first, look only on a clash: a new message costs BEGIN, INSERT, COMMIT (it
    # was a SELECT and a savepoint more, issue 11). The unique constraint on channel +
    # provider message id decides, also between two deliveries stored at the same moment.
    try:
        with transaction.atomic(durable=True):
            stored = InboundMessage.objects.create(
                channel=channel,
                provider_message_id=provider_message_id,
                sender_id=message.sender_id[:255],
                reply_address=message.address_for_reply[:255],
                thread_ref=message.thread_ref[:255],
                body=bytes(body),
                headers=dict(headers),
            )
            if enqueue:
                transaction.on_commit(
                    lambda: inbound_enqueue(message_id=stored.pk, channel=channel)
                )
    except IntegrityError:
        existing = InboundMessage.objects.filter(
            channel=channel, provider_message_id=provider_message_id
        ).first()
        if existing is None:
            raise  # another constraint: a bug, not a redelivery
        return existing, False
    return stored, True


def inbound_enqueue(*, message_id: int, channel: str = "") -> None:
    """Hand a stored message to a worker; a dead broker is logged, the sweeper relays later.

    Partner API messages carry more than a NormalizedMessage (category, area, flags) and
    have their own task (channels_intake.desk); every other channel goes through
    `inbound_process`.
    """
    from .tasks import process_inbound, process_partner_inbound

    if not channel:
        channel = (
            InboundMessage.objects.filter(pk=message_id).values_list("channel", flat=True).first()
            or ""
        )
    task = process_partner_inbound if channel == Channel.API else process_inbound
    try:
        # No publish retries: a broker that is down must not hold the webhook's answer.
        task.apply_async((message_id,), retry=False)
    except Exception:
        logger.exception(
            "Could not enqueue inbound message %s; the sweeper will relay it", message_id
        )


def inbound_process(*, message_id: int) -> Outcome:
    """Turn one stored message into what it means; safe to run twice."""
    return inbound_process_with(message_id=message_id, process=_process)


def inbound_process_with(
    *, message_id: int, process: Callable[[InboundMessage], Outcome]
) -> Outcome:
    """The inbox's bookkeeping around one channel's `process` of a stored message.

    The row is locked and skipped when already done (or parked); `process` sets the
    message's state (and its complaint or conversation) and says what happened. A
    temporary error is retried by the task until MAX_ATTEMPTS, any other is parked for an
    operator to replay. Every channel's processing goes through here, so attempts and
    parking mean the same in the whole inbox.
    """
    try:
        with transaction.atomic():
            message = InboundMessage.objects.select_for_update().filter(pk=message_id).first()
            if message is None or message.state not in (
                State.RECEIVED,
                State.FAILED,
                State.PROCESSING,
            ):
                return Outcome.SKIPPED
            message.state = State.PROCESSING
            message.save(update_fields=["state"])
            # Cleared first: `process` may leave the reason a message was ignored.
            message.last_error = ""
            outcome = process(message)
            message.attempts += 1
            message.processed_at = timezone.now()
            message.save(
                update_fields=[
                    "state",
                    "attempts",
                    "processed_at",
                    "last_error",
                    "complaint",
                    "conversation",
                ]
            )
            return outcome
    except TEMPORARY_ERRORS as exc:
        return _record_failure(message_id=message_id, exc=exc, temporary=True)
    except Exception as exc:
        logger.exception("Inbound message %s cannot be processed; parked", message_id)
        return _record_failure(message_id=message_id, exc=exc, temporary=False)


def _record_failure(*, message_id: int, exc: BaseException, temporary: bool) -> Outcome:
    try:
        message = InboundMessage.objects.get(pk=message_id)
    except TEMPORARY_ERRORS as db_exc:
        # The database is gone too: nothing recorded, so let the task try again later.
        raise TemporaryInboundError(f"{type(exc).__name__}: {exc}") from db_exc
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    park = not temporary or message.attempts >= MAX_ATTEMPTS
    message.state = State.PARKED if park else State.FAILED
    message.save(update_fields=["attempts", "last_error", "state"])
    if park:
        return Outcome.PARKED
    raise TemporaryInboundError(message.last_error) from exc


def _parsed(message: InboundMessage) -> NormalizedMessage:
    parser = PARSERS.get(message.channel)
    if parser is None:
        raise ValueError(f"No parser for channel {message.channel!r}")
    for normalized in parser(bytes(message.body)):
        if normalized.provider_message_id == message.provider_message_id:
            return normalized
    raise ValueError("The stored body does not contain this message")


def _process(message: InboundMessage) -> Outcome:
    """What one message means, in order: a status, a keyword, a draft's answer, a question's
    answer, a new report (into a draft on chat channels, at once elsewhere)."""
    normalized = _parsed(message)
    if normalized.kind == Kind.EDIT:
        # The citizen edited an earlier message: its complaint follows, nothing new is made.
        return _process_edit(message, normalized)
    if normalized.kind == Kind.STATUS:
        # A delivery status of one of our replies: it updates that outbound row only.
        outbound_delivery_update(
            provider_message_id=normalized.status_for, status=normalized.status
        )
        return _ignored(message)
    if normalized.message_type == "contact" and normalized.sender_phone:
        # The citizen shared their own number (Telegram): remember it, nothing to file.
        reporter_for(normalized)
        return _done(message)
    if normalized.message_type not in COMPLAINT_TYPES and not normalized.reply_id:
        # Reactions, stickers of nothing, system notices: kept in the inbox, nothing to do.
        return _ignored(message)
    if not normalized.has_content:
        return _ignored(message)

    reporter = reporter_for(normalized)
    command = keywords.parse(normalized.text) if normalized.message_type == "text" else None
    answer = keywords.answer(command, reporter=reporter, phone=reporter.phone) if command else None
    if answer is not None:
        # CEK/STATUS and INFO: answered on the channel, no complaint made.
        if message.reply_address:
            outbound_enqueue(
                channel=message.channel,
                recipient=message.reply_address,
                thread_ref=message.thread_ref,
                body=answer.text,
                complaint=answer.complaint,
                dedupe_key=keywords.dedupe_key(message.channel, message.provider_message_id),
            )
        return _done(message)
    explicit_report = command is not None and command.argument != normalized.text.strip()
    if command is not None:
        normalized = replace(normalized, text=command.argument)

    draft = None
    verb = draft_command(normalized)
    if uses_draft(normalized):
        draft = open_draft(channel=normalized.channel, sender_id=normalized.sender_id)
    if draft is not None:
        if verb == "submit":
            message.conversation = draft
            message.complaint = draft_submit(conversation_id=draft.pk)
            return _done(message)
        if verb == "cancel":
            message.conversation = draft
            draft_cancel(draft=draft)
            return _done(message)
    if normalized.reply_id and normalized.message_type not in COMPLAINT_TYPES:
        # A button of a prompt that is no longer open.
        return _ignored(message)

    if draft is None and not explicit_report:
        awaiting = _complaint_awaiting(reporter, normalized)
        if awaiting is not None:
            _answer_question(message, normalized, awaiting)
            return _done(message)
    if verb is not None and draft is None and not normalized.attachments:
        # A bare KIRIM or BATAL with no draft to act on (sent twice, or too late).
        return _ignored(message)

    if uses_draft(normalized):
        draft_add(draft=draft, message=message, normalized=normalized, reporter=reporter)
        media_register(message=message, normalized=normalized, complaint=None)
        return _done(message)

    complaint = complaint_create(
        channel=message.channel,
        text=normalized.text.strip()
        or fallback_text(message.channel, has_location=normalized.latitude is not None),
        latitude=normalized.latitude,
        longitude=normalized.longitude if normalized.latitude is not None else None,
        address=normalized.address,
        reporter=reporter,
    )
    message.complaint = complaint
    media_register(message=message, normalized=normalized, complaint=complaint)
    return _done(message)


def _done(message: InboundMessage) -> Outcome:
    message.state = State.PROCESSED
    return Outcome.PROCESSED


def _ignored(message: InboundMessage) -> Outcome:
    message.state = State.IGNORED
    return Outcome.IGNORED


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


def _answer_question(
    message: InboundMessage, normalized: NormalizedMessage, complaint: Complaint
) -> None:
    """The reporter's answer goes to the agency and its clock runs again."""
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


def _process_edit(message: InboundMessage, normalized: NormalizedMessage) -> Outcome:
    """Apply an edit (Kind.EDIT) to the complaint the edited message became, if any."""
    original = (
        InboundMessage.objects.select_related("complaint")
        .filter(channel=message.channel, provider_message_id=normalized.edit_of)
        .first()
    )
    if original is None or original.complaint is None:
        message.state = State.IGNORED
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
    message.state = State.PROCESSED
    return Outcome.PROCESSED


def _edited_text_before(
    message: InboundMessage, normalized: NormalizedMessage, original: InboundMessage
) -> str:
    """The text the edited message had until now: its latest applied edit, else its own."""
    applied = (
        InboundMessage.objects.filter(
            channel=message.channel, complaint=original.complaint, state=State.PROCESSED
        )
        .exclude(pk__in=[message.pk, original.pk])
        .order_by("-processed_at", "-pk")
    )
    for stored in [*applied, original]:
        for parsed in PARSERS[stored.channel](bytes(stored.body)):
            if parsed.provider_message_id != stored.provider_message_id:
                continue
            if stored.pk == original.pk or parsed.edit_of == normalized.edit_of:
                return parsed.text.strip()
    return ""


def reporter_for(normalized: NormalizedMessage) -> Reporter:
    """The reporter behind a channel identity: by handle, else by phone or email, else new.

    A known handle that now comes with a phone (a Telegram user sharing their contact)
    or an email teaches us it; one citizen is then found by any of them.
    """
    try:
        phone = normalize_phone(normalized.sender_phone)
    except ValidationError:
        phone = ""
    handle = (
        ReporterHandle.objects.select_related("reporter")
        .filter(channel=normalized.channel, handle=normalized.sender_id)
        .first()
    )
    if handle is not None:
        reporter_fill_in(
            reporter=handle.reporter,
            name=normalized.sender_name,
            phone=phone,
            email=normalized.sender_email,
        )
        return handle.reporter
    reporter = reporter_get_or_create(
        name=normalized.sender_name, phone=phone, email=normalized.sender_email
    )
    if reporter is None:
        # Neither a phone nor a name: the handle is all we know of this citizen.
        reporter = Reporter.objects.create()
    if normalized.sender_id:
        ReporterHandle.objects.create(
            reporter=reporter, channel=normalized.channel, handle=normalized.sender_id
        )
    return reporter


def inbound_replay(*, message_id: int) -> bool:
    """Send a parked or failed message through processing again (the operators' Replay)."""
    updated = InboundMessage.objects.filter(
        pk=message_id, state__in=[State.PARKED, State.FAILED]
    ).update(state=State.RECEIVED, attempts=0, last_error="")
    if updated:
        transaction.on_commit(lambda: inbound_enqueue(message_id=message_id))
    return bool(updated)


def inbound_relay_stranded(*, older_than_seconds: int) -> int:
    """Enqueue every stranded message again (the beat's safety net); how many."""
    stranded = stranded_inbound(older_than_seconds=older_than_seconds)
    for message_id, channel in stranded:
        inbound_enqueue(message_id=message_id, channel=channel)
    return len(stranded)


def stranded_inbound(*, older_than_seconds: int = 30, limit: int = 500) -> list[tuple[int, str]]:
    """(id, channel) of messages whose processing was never enqueued, or whose retry was lost."""
    now = timezone.now()
    never_enqueued = Q(
        state=State.RECEIVED, received_at__lt=now - timedelta(seconds=older_than_seconds)
    )
    # The retries of a failed message are all due within a few minutes of its arrival; one
    # still failed long after lost its retry (a broker restart). Processing is idempotent.
    retry_lost = Q(state=State.FAILED, received_at__lt=now - FAILED_RETRY_LOST_AFTER)
    return list(
        InboundMessage.objects.filter(never_enqueued | retry_lost)
        .order_by("received_at")
        .values_list("id", "channel")[:limit]
    )
