"""The outbox: every reply to a citizen is a row, sent at most once by exactly one worker.

Protocol (docs/outbox.md): a worker claims a row with a conditional UPDATE pending →
sending (row count 1 = it owns the send), calls the channel's sender, then records sent.
Temporary errors put the row back to pending with exponential backoff, up to
MAX_ATTEMPTS; permanent errors fail it. A row left in "sending" by a worker that died is
never resent automatically: the sweeper marks it failed with an unknown outcome for an
operator, because WhatsApp has no idempotency key and a resend could reach the citizen
twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from complaints.models import Channel, Complaint
from config.queue import enqueue

from .models import OutboundMessage
from .providers.registry import sender_for
from .providers.sending import PermanentSendError, TemporarySendError
from .selectors import whatsapp_window_open

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SEND_TASK = "channels_intake.send_outbound"
BACKOFF_BASE_SECONDS = 30
# A pending row whose send task should have run this long ago is enqueued again.
LOST_TASK_GRACE = timedelta(seconds=60)
UNKNOWN_OUTCOME = (
    "Unknown outcome: the worker stopped while sending. It may or may not have reached "
    "the citizen; retry only after checking."
)

State = OutboundMessage.State


def backoff_seconds(attempts: int) -> int:
    """30 s, 60 s, 120 s, 240 s ... after the 1st, 2nd, 3rd, 4th failed attempt."""
    return BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def outbound_enqueue(
    *,
    channel: str,
    recipient: str,
    body: str,
    dedupe_key: str,
    kind: str = OutboundMessage.Kind.OTHER,
    complaint: Complaint | None = None,
    template_name: str = "",
    template_params: list[Any] | None = None,
    thread_ref: str = "",
) -> OutboundMessage | None:
    """Store one message and send it after commit; None if this dedupe_key exists already."""
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "channel": channel,
                "recipient": recipient,
                "body": body,
                "kind": kind,
                "complaint": complaint,
                "template_name": template_name,
                "template_params": template_params or [],
                "thread_ref": thread_ref,
            },
        )
    if not created:
        return None
    transaction.on_commit(lambda: outbound_enqueue_send(message_id=message.pk))
    return message


def outbound_enqueue_send(*, message_id: int) -> None:
    """Hand one send to a worker; a broker that is down is logged and the sweeper sends later."""
    try:
        # No publish retries: the caller (a webhook, a staff action) must not wait on Redis.
        enqueue(SEND_TASK, message_id)
    except Exception:
        logger.exception("Could not enqueue outbound message %s; the sweeper will", message_id)


def outbound_record_inline(
    *,
    channel: str,
    recipient: str,
    body: str,
    dedupe_key: str,
    provider_message_id: str,
    kind: str = OutboundMessage.Kind.OTHER,
    complaint: Complaint | None = None,
) -> OutboundMessage | None:
    """Record a reply already given in the webhook's own answer (TwiML) as sent.

    The same dedupe_key later stops the worker from sending it a second time; None when
    the key exists already (a redelivered request is answered again but recorded once).
    """
    now = timezone.now()
    message, created = OutboundMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "channel": channel,
            "recipient": recipient,
            "body": body,
            "kind": kind,
            "complaint": complaint,
            "state": State.SENT,
            "attempts": 1,
            "claimed_at": now,
            "sent_at": now,
            "provider_message_id": provider_message_id,
        },
    )
    return message if created else None


def outbound_claim(*, message_id: int, now: datetime | None = None) -> OutboundMessage | None:
    """Take the send of one pending message; None when another worker has it or it is done."""
    now = now or timezone.now()
    won = OutboundMessage.objects.filter(pk=message_id, state=State.PENDING).update(
        state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not won:
        return None
    return OutboundMessage.objects.get(pk=message_id)


@dataclass(frozen=True)
class SendOutcome:
    state: str  # sent, failed, pending (retry later) or "not_claimed"
    retry_in: int | None = None


def outbound_send(*, message_id: int, now: datetime | None = None) -> SendOutcome:
    """Claim and send one message; the caller schedules the retry when retry_in is set."""
    now = now or timezone.now()
    message = outbound_claim(message_id=message_id, now=now)
    if message is None:
        return SendOutcome("not_claimed")
    use_template = message.channel == Channel.WHATSAPP and not whatsapp_window_open(
        recipient=message.recipient, now=now
    )
    mine = OutboundMessage.objects.filter(pk=message.pk, state=State.SENDING)
    try:
        result = sender_for(message.channel).send(message, use_template=use_template)
    except TemporarySendError as error:
        if message.attempts >= MAX_ATTEMPTS:
            mine.update(state=State.FAILED, last_error=f"Gave up after {message.attempts}: {error}")
            logger.warning("Outbound message %s failed for good: %s", message.pk, error)
            return SendOutcome(State.FAILED)
        delay = backoff_seconds(message.attempts)
        mine.update(
            state=State.PENDING,
            last_error=str(error),
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        logger.info("Outbound message %s: %s; retry in %s s", message.pk, error, delay)
        return SendOutcome(State.PENDING, retry_in=delay)
    except PermanentSendError as error:
        mine.update(state=State.FAILED, last_error=str(error))
        logger.warning("Outbound message %s rejected: %s", message.pk, error)
        return SendOutcome(State.FAILED)
    mine.update(
        state=State.SENT,
        provider_message_id=result.provider_message_id,
        sent_as_template=result.as_template,
        sent_at=timezone.now(),
        last_error="",
        delivery_status="sent",
    )
    return SendOutcome(State.SENT)


@dataclass(frozen=True)
class SweepReport:
    requeued: list[int]
    unknown_outcome: int


def outbound_sweep(*, now: datetime | None = None) -> SweepReport:
    """Beat: fail rows stuck in sending (never resend them) and re-enqueue lost pending ones."""
    now = now or timezone.now()
    stuck_before = now - timedelta(minutes=settings.OUTBOX_STUCK_MINUTES)
    unknown = OutboundMessage.objects.filter(
        state=State.SENDING, claimed_at__lt=stuck_before
    ).update(state=State.FAILED, last_error=UNKNOWN_OUTCOME)
    if unknown:
        logger.warning("Outbox: %d messages with an unknown outcome need an operator", unknown)
    due_before = now - LOST_TASK_GRACE
    requeued = list(
        OutboundMessage.objects.filter(state=State.PENDING)
        .filter(
            Q(next_attempt_at__isnull=True, created_at__lt=due_before)
            | Q(next_attempt_at__lt=due_before)
        )
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    for message_id in requeued:
        enqueue(SEND_TASK, message_id, retry=True)
    return SweepReport(requeued=requeued, unknown_outcome=unknown)


def outbound_outcome_unknown(message: OutboundMessage) -> bool:
    """A failed message that may have reached the citizen (its worker died mid-send)."""
    return message.state == State.FAILED and message.last_error == UNKNOWN_OUTCOME


def outbound_retry(*, message_ids: list[int], confirm_unknown: bool = True) -> int:
    """An operator's decision: send failed messages again (attempts start over).

    With `confirm_unknown=False` the messages whose outcome is unknown are left alone:
    resending one may reach the citizen twice, so the dashboard asks for that separately.
    """
    failed = OutboundMessage.objects.filter(pk__in=message_ids, state=State.FAILED)
    if not confirm_unknown:
        failed = failed.exclude(last_error=UNKNOWN_OUTCOME)
    ids = list(failed.values_list("id", flat=True))
    OutboundMessage.objects.filter(pk__in=ids, state=State.FAILED).update(
        state=State.PENDING, attempts=0, next_attempt_at=None, claimed_at=None
    )
    for message_id in ids:
        transaction.on_commit(lambda m=message_id: outbound_enqueue_send(message_id=m))
    return len(ids)


# Provider statuses arrive out of order; a later one never moves a message backwards.
_DELIVERY_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def outbound_delivery_update(*, provider_message_id: str, status: str) -> bool:
    """Record a provider's delivery status (WhatsApp statuses[]); False if unknown or older."""
    rank = _DELIVERY_RANK.get(status)
    if rank is None:
        return False
    lower = [s for s, r in _DELIVERY_RANK.items() if r < rank] + [""]
    return bool(
        OutboundMessage.objects.filter(
            provider_message_id=provider_message_id, delivery_status__in=lower
        ).update(delivery_status=status)
    )
