"""After "resolved": the reporter confirms (and rates), reopens, or stays silent and it closes.

A reopen sends the complaint back to the agency that resolved it, with a new disposition
and fresh deadlines; the new disposition's `reopen_of` is what the first-time-fix rate
counts. The reopen window is the core's rule (complaints.selectors.reopen_window_end) so
the tracking page and these services agree on it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.lifecycle import (
    CITIZEN,
    OPERATOR,
    SYSTEM_ACTOR,
    Actor,
    TransitionError,
    TransitionNotPermitted,
    complaint_transition,
)
from complaints.models import Complaint, ComplaintEvent, Rating, Status
from complaints.selectors import latest_resolution, reopen_window_end, resolved_past_window
from complaints.templatetags.sigap_format import local_time

from .models import Disposition
from .services import disposition_reassign_after_reopen

logger = logging.getLogger(__name__)

RATING_MIN, RATING_MAX = 1, 5


def _check_score(score: int) -> None:
    if not RATING_MIN <= score <= RATING_MAX:
        raise ValidationError(_("A rating is from 1 to 5 stars."), code="score")


def _record_rating(
    *, complaint: Complaint, resolution: ComplaintEvent, score: int, comment: str
) -> Rating:
    if Rating.objects.filter(resolution=resolution).exists():
        raise TransitionError(_("This resolution has already been rated."))
    try:
        with transaction.atomic():
            return Rating.objects.create(
                complaint=complaint, resolution=resolution, score=score, comment=comment.strip()
            )
    except IntegrityError:
        # Two submissions raced past the check above; the unique resolution settles it.
        raise TransitionError(_("This resolution has already been rated.")) from None


def _require_resolution(complaint: Complaint) -> ComplaintEvent:
    resolution = latest_resolution(complaint)
    if resolution is None:
        raise TransitionError(_("This complaint has not been resolved yet."))
    return resolution


@transaction.atomic
def complaint_confirm(
    *, complaint: Complaint, actor: Actor, score: int | None = None, comment: str = ""
) -> ComplaintEvent:
    """The reporter (or an operator for them) says it is fixed: resolved -> closed, rated."""
    if score is not None:
        _check_score(score)
    event = complaint_transition(complaint=complaint, action="confirm", actor=actor)
    if score is not None:
        resolution = _require_resolution(complaint)
        _record_rating(complaint=complaint, resolution=resolution, score=score, comment=comment)
    return event


@transaction.atomic
def complaint_rate(*, complaint: Complaint, actor: Actor, score: int, comment: str = "") -> Rating:
    """Rate the latest resolution round on its own: once per round, while resolved or closed.

    Used when the complaint closed by itself or was confirmed without stars.
    """
    _check_score(score)
    if not actor.capacities(complaint) & {CITIZEN, OPERATOR}:
        raise TransitionNotPermitted(_("You may not rate this complaint."))
    if complaint.status not in (Status.RESOLVED, Status.CLOSED):
        raise TransitionError(_("Only a resolved complaint can be rated."))
    resolution = _require_resolution(complaint)
    return _record_rating(complaint=complaint, resolution=resolution, score=score, comment=comment)


def _last_resolved_disposition(complaint: Complaint) -> Disposition:
    disposition = (
        Disposition.objects.filter(complaint=complaint, state=Disposition.State.RESOLVED)
        .select_related("agency")
        .order_by("-closed_at", "-id")
        .first()
    )
    if disposition is None:
        raise TransitionError(_("This complaint has no resolved disposition to reopen."))
    return disposition


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, actor: Actor, reason: str, now: datetime | None = None
) -> Disposition:
    """Not fixed: back to the agency that resolved it, with a new disposition and deadlines.

    Only inside the reopen window after the latest resolution. The resolved disposition
    stays as it was; the new one points at it (`reopen_of`).
    """
    now = now or timezone.now()
    if complaint.status == Status.RESOLVED:
        until = reopen_window_end(_require_resolution(complaint))
        if now >= until:
            raise TransitionError(
                _("The period to reopen this complaint ended on %s.") % local_time(until)
            )
    complaint_transition(complaint=complaint, action="reopen", actor=actor, note=reason)
    resolved = _last_resolved_disposition(complaint)
    return disposition_reassign_after_reopen(complaint=complaint, resolved=resolved, reason=reason)


def resolved_complaints_close(*, now: datetime) -> int:
    """Close every complaint resolved longer ago than the reopen window; returns how many.

    One query finds them; each closes in its own transaction, so one lost race (the
    reporter reopening at that moment) skips that complaint and the rest still close.
    Running it again finds nothing left to do.
    """
    closed = 0
    for complaint in resolved_past_window(now=now).select_related("agency"):
        try:
            complaint_transition(complaint=complaint, action="close", actor=SYSTEM_ACTOR)
        except TransitionError:
            logger.info("Complaint %s changed before it could close; skipped", complaint.pk)
            continue
        closed += 1
    return closed
