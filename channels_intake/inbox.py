"""The inbox: every entry stores its raw message here first, then a worker processes it.

`inbound_store` commits the raw message in its own transaction and only then asks a
worker to process it, so a message is never lost to a broker or worker that is down
(the beat sweeper relays what was stored but never enqueued). `inbound_process_with`
is the bookkeeping around processing (lock, attempts, retry or park), the same for
every entry; channels_intake.services (and its handlers) say what a message means.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from config.queue import enqueue

from .models import InboundMessage
from .normalized import NormalizedMessage

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
PROCESS_TASK = "channels_intake.process_inbound"


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
    provider: str,
    message: NormalizedMessage,
    body: bytes,
    headers: Mapping[str, str],
    enqueue: bool = True,
    reply_address: str | None = None,
    process: Callable[[InboundMessage], Outcome] | None = None,
) -> tuple[InboundMessage, bool]:
    """Commit one raw message (a redelivery returns the stored one) and enqueue it.

    `enqueue=False` for a caller that processes the message itself right after (the
    partner API answers with the complaint); the sweeper still catches it if that fails.
    `process` is for an entry a person waits on (the web form, the API, the desk): the
    message is processed as it is stored, in one transaction, so a refusal (a
    ValidationError) stores nothing and reaches the person. `reply_address` overrides
    the message's own ("" for entries whose replies follow the reporter's contact).
    """
    provider_message_id = message.provider_message_id
    if reply_address is None:
        reply_address = message.address_for_reply
    if process is not None:
        return _store_processed(
            InboundMessage(
                channel=channel,
                provider=provider,
                provider_message_id=provider_message_id,
                sender_id=message.sender_id[:255],
                reply_address=reply_address[:255],
                thread_ref=message.thread_ref[:255],
                body=bytes(body),
                headers=dict(headers),
            ),
            process,
        )
    # Insert first, look only on a clash: a new message costs BEGIN, INSERT, COMMIT (it
    # was a SELECT and a savepoint more, issue 11). The unique constraint on channel +
    # provider message id decides, also between two deliveries stored at the same moment.
    try:
        with transaction.atomic(durable=True):
            stored = InboundMessage.objects.create(
                channel=channel,
                provider=provider,
                provider_message_id=provider_message_id,
                sender_id=message.sender_id[:255],
                reply_address=reply_address[:255],
                thread_ref=message.thread_ref[:255],
                body=bytes(body),
                headers=dict(headers),
            )
            if enqueue:
                transaction.on_commit(lambda: inbound_enqueue(message_id=stored.pk))
    except IntegrityError:
        existing = InboundMessage.objects.filter(
            channel=channel, provider_message_id=provider_message_id
        ).first()
        if existing is None:
            raise  # another constraint: a bug, not a redelivery
        return existing, False
    return stored, True


def inbound_enqueue(*, message_id: int, countdown: float | None = None) -> None:
    """Hand a stored message to a worker; a dead broker is logged, the sweeper relays later.

    Every entry's message goes to the same task (services.inbound_process), enqueued by
    name so that this module never imports the tasks that call it.
    """
    try:
        # No publish retries: a broker that is down must not hold the webhook's answer.
        enqueue(PROCESS_TASK, message_id, countdown=countdown)
    except Exception:
        logger.exception(
            "Could not enqueue inbound message %s; the sweeper will relay it", message_id
        )


def inbound_process_with(
    *, message_id: int, process: Callable[[InboundMessage], Outcome]
) -> Outcome:
    """The inbox's bookkeeping around one channel's `process` of a stored message.

    The row is locked and skipped when already done (or parked); `process` says what
    happened (and may note the message's complaint or conversation), and `_finish` sets
    the state from that: this module is the only one that sets a message's state. A
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
            _finish(message, outcome)
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


_STATE_AFTER = {Outcome.PROCESSED: State.PROCESSED, Outcome.IGNORED: State.IGNORED}


def _finish(message: InboundMessage, outcome: Outcome) -> None:
    """The message's state after one processing that ended with `outcome`."""
    message.state = _STATE_AFTER[outcome]
    message.attempts += 1
    message.processed_at = timezone.now()


def _store_processed(
    message: InboundMessage, process: Callable[[InboundMessage], Outcome]
) -> tuple[InboundMessage, bool]:
    with transaction.atomic():
        _finish(message, process(message))
        message.save(force_insert=True)
    return message, True


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
    for message_id in stranded:
        inbound_enqueue(message_id=message_id)
    return len(stranded)


def stranded_inbound(*, older_than_seconds: int = 30, limit: int = 500) -> list[int]:
    """Ids of messages whose processing was never enqueued, or whose retry was lost."""
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
