"""The outbound delivery engine shared by webhooks and the LAPOR! bridge.

Protocol: a Delivery row is stored first (the dedupe key makes a second store a no-op);
a worker claims it with a conditional UPDATE pending → sending (row count 1 = it owns
this try), sends it through the transport of its kind, writes an attempt row, and ends
in delivered, pending with backoff (a temporary failure: network error, 5xx, 429), or
failed (a 4xx: the receiver said no, and asking again will not change its mind; or the
last try). A row left in sending by a dead worker goes back to pending after
DELIVERY_STUCK_MINUTES: every try carries the same message id, which receivers use to
drop a repeat, so a resend after an unknown outcome is safe. An administrator re-sends
failed rows from the admin.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from complaints.models import Complaint
from config.queue import enqueue

from .models import Delivery, DeliveryAttempt

logger = logging.getLogger(__name__)

State = Delivery.State
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
STUCK_AFTER = timedelta(minutes=10)
BODY_KEEP = 2000


def backoff_seconds(attempts: int) -> int:
    """30 s, 1 min, 2 min, 4 min ... after the 1st, 2nd, 3rd, 4th failed try; at most 6 h.

    The first step is DELIVERY_BACKOFF_SECONDS (30 by default)."""
    base = getattr(settings, "DELIVERY_BACKOFF_SECONDS", BACKOFF_BASE_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


@dataclass(frozen=True)
class TransportResult:
    """What one try got: an HTTP status (None when no answer came) and a short body."""

    status: int | None
    body: str = ""
    error: str = ""
    permanent: bool = False  # no answer, but trying again cannot help

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        if self.status is None:
            return not self.permanent
        return self.status >= 500 or self.status in (408, 429)


Transport = Callable[[Delivery], TransportResult]
_transports: dict[str, Transport] = {}


def register_transport(kind: str, transport: Transport) -> None:
    _transports[kind] = transport


def delivery_store(
    *,
    kind: str,
    dedupe_key: str,
    event_type: str,
    payload: dict,
    complaint: Complaint | None = None,
    subscription=None,  # type: ignore[no-untyped-def]
) -> Delivery | None:
    """Store one delivery and send it after commit; None when this key is stored already."""
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            dedupe_key=dedupe_key[:200],
            defaults={
                "kind": kind,
                "event_type": event_type,
                "payload": payload,
                "complaint": complaint,
                "subscription": subscription,
                "next_attempt_at": timezone.now(),
            },
        )
    if not created:
        return None
    transaction.on_commit(lambda: delivery_enqueue(delivery.pk))
    return delivery


def delivery_enqueue(delivery_id: int, *, countdown: int = 0) -> None:
    """Hand one send to a worker; a dead broker is logged and the sweeper sends later."""
    try:
        # By name: tasks.py imports this module, so this one never imports it.
        enqueue("integrations.send_delivery", delivery_id, countdown=countdown)
    except Exception:
        logger.exception("Could not enqueue delivery %s; the sweeper will", delivery_id)


def delivery_claim(*, delivery_id: int, now: datetime) -> Delivery | None:
    won = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=delivery_id,
        state=State.PENDING,
    ).update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not won:
        return None
    return Delivery.objects.select_related("subscription").get(pk=delivery_id)


@dataclass(frozen=True)
class SendOutcome:
    state: str  # delivered, failed, pending (retry later) or not_claimed
    retry_in: int | None = None


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> SendOutcome:
    """Claim and send one delivery; the caller schedules the retry when retry_in is set."""
    now = now or timezone.now()
    delivery = delivery_claim(delivery_id=delivery_id, now=now)
    if delivery is None:
        return SendOutcome("not_claimed")
    started = time.monotonic()
    try:
        result = _transports[delivery.kind](delivery)
    except Exception as exc:  # a bug or an unexpected library error: keep it retryable
        logger.exception("Delivery %s: transport raised", delivery.pk)
        result = TransportResult(status=None, error=f"{type(exc).__name__}: {exc}")
    DeliveryAttempt.objects.create(
        delivery=delivery,
        response_status=result.status,
        response_body=result.body[:BODY_KEEP],
        error=result.error[:BODY_KEEP],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    mine = Delivery.objects.filter(pk=delivery.pk, state=State.SENDING)
    if result.delivered:
        mine.update(state=State.DELIVERED, delivered_at=timezone.now(), last_error="")
        return SendOutcome(State.DELIVERED)
    reason = result.error or f"HTTP {result.status}: {result.body[:200]}"
    if not result.retryable or delivery.attempts >= MAX_ATTEMPTS:
        mine.update(state=State.FAILED, last_error=reason)
        logger.warning("Delivery %s failed for good: %s", delivery.pk, reason)
        return SendOutcome(State.FAILED)
    delay = backoff_seconds(delivery.attempts)
    mine.update(
        state=State.PENDING,
        last_error=reason,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    return SendOutcome(State.PENDING, retry_in=delay)


def delivery_sweep(*, now: datetime | None = None) -> list[int]:
    """Beat: free tries a dead worker left in sending, and enqueue every due pending row."""
    now = now or timezone.now()
    Delivery.objects.filter(state=State.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        state=State.PENDING, next_attempt_at=now, last_error="The worker stopped mid-send."
    )
    due = list(
        Delivery.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in due:
        delivery_enqueue(delivery_id)
    return due


def delivery_resend(*, delivery_ids: list[int]) -> int:
    """An administrator's re-send of failed deliveries: a fresh round of tries."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(pk__in=delivery_ids, state=State.FAILED).values_list(
                "pk", flat=True
            )
        )
        Delivery.objects.filter(pk__in=ids).update(
            state=State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for delivery_id in ids:
            transaction.on_commit(lambda d=delivery_id: delivery_enqueue(d))
    return len(ids)
