"""The inbox: store each inbound message first, then turn it into a complaint in a worker.

`inbound_store` commits the raw message in its own transaction and only then asks a
worker to process it, so a message is never lost to a broker or worker that is down
(the beat sweeper relays what was stored but never enqueued). `inbound_process` is
idempotent: a redelivered task finds the message processed and does nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Reporter
from complaints.services import complaint_create, normalize_phone, reporter_get_or_create

from .adapters import PARSERS
from .models import InboundMessage, ReporterHandle
from .normalized import Kind, NormalizedMessage
from .outbox import outbound_delivery_update

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
COMPLAINT_TYPES = frozenset({"text", "image", "document", "video", "audio", "location"})


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
) -> tuple[InboundMessage, bool]:
    """Commit one raw message (a redelivery returns the stored one) and enqueue it."""
    provider_message_id = message.provider_message_id
    with transaction.atomic(durable=True):
        existing = InboundMessage.objects.filter(
            channel=channel, provider_message_id=provider_message_id
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                stored = InboundMessage.objects.create(
                    channel=channel,
                    provider_message_id=provider_message_id,
                    sender_id=message.sender_id[:255],
                    reply_address=message.address_for_reply[:255],
                    thread_ref=message.thread_ref[:255],
                    body=bytes(body),
                    headers=dict(headers),
                )
        except IntegrityError:
            # The provider retried while the first delivery was still being stored.
            existing = InboundMessage.objects.get(
                channel=channel, provider_message_id=provider_message_id
            )
            return existing, False
        transaction.on_commit(lambda: inbound_enqueue(message_id=stored.pk))
    return stored, True


def inbound_enqueue(*, message_id: int) -> None:
    """Hand a stored message to a worker; a dead broker is logged, the sweeper relays later."""
    from .tasks import process_inbound

    try:
        # No publish retries: a broker that is down must not hold the webhook's answer.
        process_inbound.apply_async((message_id,), retry=False)
    except Exception:
        logger.exception(
            "Could not enqueue inbound message %s; the sweeper will relay it", message_id
        )


def inbound_process(*, message_id: int) -> Outcome:
    """Turn one stored message into what it means; safe to run twice."""
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
            outcome = _process(message)
            message.attempts += 1
            message.processed_at = timezone.now()
            message.last_error = ""
            message.save(
                update_fields=["state", "attempts", "processed_at", "last_error", "complaint"]
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


def _process(message: InboundMessage) -> Outcome:
    parser = PARSERS.get(message.channel)
    if parser is None:
        raise ValueError(f"No parser for channel {message.channel!r}")
    found = [
        m
        for m in parser(bytes(message.body))
        if m.provider_message_id == message.provider_message_id
    ]
    if not found:
        raise ValueError("The stored body does not contain this message")
    normalized = found[0]
    if normalized.kind == Kind.STATUS:
        # A delivery status of one of our replies: it updates that outbound row only.
        outbound_delivery_update(
            provider_message_id=normalized.status_for, status=normalized.status
        )
        message.state = State.IGNORED
        return Outcome.IGNORED
    if normalized.message_type not in COMPLAINT_TYPES or not normalized.has_content:
        # Replies to prompts will be read by the conversation flow (not built yet).
        message.state = State.IGNORED
        return Outcome.IGNORED
    reporter = reporter_for(normalized)
    latitude = normalized.latitude
    complaint = complaint_create(
        channel=message.channel,
        text=normalized.text.strip() or _fallback_text(normalized),
        latitude=latitude,
        longitude=normalized.longitude if latitude is not None else None,
        address=normalized.address,
        reporter=reporter,
    )
    message.complaint = complaint
    message.state = State.PROCESSED
    return Outcome.PROCESSED


def _fallback_text(normalized: NormalizedMessage) -> str:
    if normalized.latitude is not None:
        return _("Location shared on WhatsApp.")
    return _("Attachment sent on WhatsApp without a caption.")


def reporter_for(normalized: NormalizedMessage) -> Reporter:
    """The reporter behind a channel identity: by handle, else by phone, else a new one."""
    handle = (
        ReporterHandle.objects.select_related("reporter")
        .filter(channel=normalized.channel, handle=normalized.sender_id)
        .first()
    )
    if handle is not None:
        return handle.reporter
    try:
        phone = normalize_phone(normalized.sender_phone)
    except ValidationError:
        phone = ""
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
    """Send a parked or failed message through processing again (the admin's Replay)."""
    updated = InboundMessage.objects.filter(
        pk=message_id, state__in=[State.PARKED, State.FAILED]
    ).update(state=State.RECEIVED, attempts=0, last_error="")
    if updated:
        transaction.on_commit(lambda: inbound_enqueue(message_id=message_id))
    return bool(updated)


def stranded_inbound_ids(*, older_than_seconds: int = 30, limit: int = 500) -> list[int]:
    """Messages whose processing was never enqueued, or whose retry was lost."""
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
        .values_list("id", flat=True)[:limit]
    )
