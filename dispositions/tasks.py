"""Thin Celery tasks: load by id, call a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from complaints.models import Complaint, Status

from . import followup, services
from .escalation import escalate_due

logger = logging.getLogger(__name__)


@shared_task(name="dispositions.route_complaint", acks_late=True)
def route_complaint(complaint_id: int) -> str:
    """Route one new complaint. Safe to run twice: the second run finds it routed."""
    outcome = services.disposition_route(complaint_id=complaint_id)
    return outcome.value


def enqueue_routing(*, complaint_id: int) -> None:
    """After-commit hook: hand the new complaint to a worker."""
    route_complaint.delay(complaint_id)


@shared_task(name="dispositions.route_stranded_complaints", acks_late=True)
def route_stranded_complaints(older_than_seconds: int = 30) -> int:
    """Route complaints still "new" after a while: their enqueue was lost (broker down)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Complaint.objects.filter(status=Status.NEW, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("id", flat=True)[:500]
    )
    for complaint_id in ids:
        services.disposition_route(complaint_id=complaint_id)
    if ids:
        logger.info("Routed %d stranded complaints", len(ids))
    return len(ids)


@shared_task(name="dispositions.close_silent_resolved", acks_late=True)
def close_silent_resolved() -> int:
    """Close complaints whose reporter said nothing within the reopen window. Idempotent."""
    closed = followup.resolved_complaints_close(now=timezone.now())
    if closed:
        logger.info("Closed %d resolved complaints after the reopen window", closed)
    return closed


@shared_task(name="dispositions.escalate_deadlines", acks_late=True)
def escalate_deadlines() -> int:
    """Beat, every minute: fire the escalation steps now due. Safe to run twice at once."""
    report = escalate_due(now=timezone.now())
    return len(report.fired)
