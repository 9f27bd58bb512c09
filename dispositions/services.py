"""Disposition writes: open, accept, start, resolve, forward, return, pause and resume.

Every status change still goes through complaints.lifecycle; these services add the
disposition rows (with deadlines) that belong to each move. Reads live elsewhere:
where a complaint goes in dispositions.routing, deadline arithmetic in
dispositions.deadlines, what a viewer may do in dispositions.selectors.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.areas import area_mentioned
from complaints.images import ProcessedImage
from complaints.lifecycle import SYSTEM_ACTOR, Actor, TransitionError, complaint_transition
from complaints.models import Agency, Area, Attachment, Category, Complaint, Status

from . import duplicates
from .categorizer import services as categorizer
from .deadlines import deadline_moved_by_pause, deadlines_for, pause_span, working_calendar
from .models import Disposition, RoutingRule
from .routing import located_area, routing_rule_match
from .selectors import disposition_current

logger = logging.getLogger(__name__)


def _disposition_open(
    *,
    complaint: Complaint,
    agency: Agency,
    actor: Actor,
    action: str,
    rule: RoutingRule | None = None,
    note: str = "",
    forwarded_from: Disposition | None = None,
    reopen_of: Disposition | None = None,
    is_public: bool = True,
    now: datetime | None = None,
) -> Disposition:
    """Move the complaint to `agency` through the lifecycle, then record the disposition.

    The transition runs first so an illegal move fails with the lifecycle's clear error
    before any row is written. Deadlines count from `now` in working time, or in wall
    time for emergencies and urgent complaints.
    """
    deadlines = deadlines_for(
        category=complaint.category,
        priority=complaint.priority,
        now=now or timezone.now(),
        report_type=complaint.report_type,
    )
    complaint_transition(
        complaint=complaint,
        action=action,
        actor=actor,
        agency=agency,
        due_at=deadlines.resolution_due_at,
        note=note,
        is_public=is_public,
    )
    return Disposition.objects.create(
        complaint=complaint,
        agency=agency,
        rule=rule,
        note=note,
        forwarded_from=forwarded_from,
        reopen_of=reopen_of,
        created_by=actor.user,
        response_due_at=deadlines.response_due_at,
        resolution_due_at=deadlines.resolution_due_at,
        on_wall_time=deadlines.wall_time,
    )


def _disposition_close(
    disposition: Disposition, *, state: str, now: datetime | None = None
) -> None:
    """End an open disposition in `state`: the one way a disposition closes.

    A running pause ends with it (counted in paused_total; the deadlines stay where they
    are, since nobody works the disposition any more).
    """
    disposition.state = state
    disposition.closed_at = now or timezone.now()
    paused = _end_pause(disposition, now=disposition.closed_at, move_deadlines=False)
    disposition.save(update_fields=["state", "closed_at", *paused])


class RouteOutcome(enum.StrEnum):
    ASSIGNED = "assigned"
    TRIAGE = "triage"
    ALREADY_ROUTED = "already_routed"
    MISSING = "missing"


@transaction.atomic
def disposition_route(*, complaint_id: int, now: datetime | None = None) -> RouteOutcome:
    """Locate, categorize if needed, then route a new complaint or send it to triage.

    Coordinates refine the area first (see `located_area`); without coordinates or a chosen
    area, a place the text names after "kel."/"kec."/"kota" does (`area_mentioned`). The
    most specific area known decides. The categorizer sets the category only when confident
    (settings.CATEGORIZER_THRESHOLD); otherwise its suggestions wait for the operator in
    triage. Idempotent: a second run (a redelivered task, the sweeper) finds the complaint
    no longer "new" and does nothing; the lifecycle's guarded update settles a race.
    """
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("category", "area")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        return RouteOutcome.MISSING
    if complaint.status != Status.NEW:
        return RouteOutcome.ALREADY_ROUTED
    refined = located_area(
        chosen=complaint.area, latitude=complaint.latitude, longitude=complaint.longitude
    )
    if refined is not None:
        complaint_services.complaint_set_area(
            complaint=complaint,
            area=refined,
            actor=SYSTEM_ACTOR,
            source=complaint_services.AreaSource.COORDINATES,
        )
    elif complaint.area is None:
        # An SMS has no pin; "Kel. Dago, Kec. Coblong" in its text is as good.
        named = area_mentioned(complaint.text)
        if named is not None:
            complaint_services.complaint_set_area(
                complaint=complaint,
                area=named,
                actor=SYSTEM_ACTOR,
                source=complaint_services.AreaSource.TEXT,
            )
    if complaint.category is None:
        decision = categorizer.complaint_categorize(complaint=complaint)
        if decision.category is None:
            complaint_transition(complaint=complaint, action="send_to_triage", actor=SYSTEM_ACTOR)
            _look_for_duplicates(complaint)
            return RouteOutcome.TRIAGE
    else:
        categorizer.decision_record_reporter(complaint=complaint)
    match = routing_rule_match(category=complaint.category, area=complaint.area)
    if match is None:
        complaint_transition(complaint=complaint, action="send_to_triage", actor=SYSTEM_ACTOR)
        _look_for_duplicates(complaint)
        return RouteOutcome.TRIAGE
    _disposition_open(
        complaint=complaint,
        agency=match.agency,
        actor=SYSTEM_ACTOR,
        action="route",
        rule=match.rule,
        note=match.reason,
        now=now,
    )
    _look_for_duplicates(complaint)
    return RouteOutcome.ASSIGNED


def _look_for_duplicates(complaint: Complaint) -> None:
    """Record probable duplicates for the operators; never let this hold routing back.

    It runs in a savepoint after the routing decision: whatever goes wrong here (a bug,
    a database error) is logged and rolled back alone, and the complaint stays routed.
    """
    try:
        with transaction.atomic():
            duplicates.duplicate_links_record(complaint=complaint)
    except Exception:
        logger.exception("Duplicate detection failed for complaint %s", complaint.pk)


def _require_open_disposition(complaint: Complaint, *, lock: bool = False) -> Disposition:
    """The open disposition or a clear refusal; `lock` row-locks it (two answers racing)."""
    disposition = disposition_current(complaint, lock=lock)
    if disposition is None:
        raise TransitionError(_("This complaint has no open disposition."))
    return disposition


def _mark_accepted(disposition: Disposition) -> None:
    if disposition.state == Disposition.State.PENDING:
        disposition.state = Disposition.State.ACCEPTED
        disposition.accepted_at = timezone.now()
        disposition.save(update_fields=["state", "accepted_at"])


@transaction.atomic
def disposition_accept(*, complaint: Complaint, actor: Actor, note: str = "") -> Disposition:
    """The agency acknowledges the complaint (meets its response deadline)."""
    disposition = _require_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="accept", actor=actor, note=note)
    _mark_accepted(disposition)
    return disposition


@transaction.atomic
def disposition_start(*, complaint: Complaint, actor: Actor, note: str = "") -> Disposition:
    """The agency starts work; starting also counts as accepting."""
    disposition = _require_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="start", actor=actor, note=note)
    _mark_accepted(disposition)
    return disposition


@transaction.atomic
def disposition_resolve(
    *,
    complaint: Complaint,
    actor: Actor,
    note: str,
    evidence: Sequence[ProcessedImage] = (),
) -> Disposition:
    """The agency reports the follow-up (tindak lanjut) done, with evidence photos."""
    disposition = _require_open_disposition(complaint)
    event = complaint_transition(complaint=complaint, action="resolve", actor=actor, note=note)
    for image in evidence:
        complaint_services.attachment_add(
            complaint=complaint, image=image, kind=Attachment.Kind.EVIDENCE, event=event
        )
    _disposition_close(disposition, state=Disposition.State.RESOLVED)
    return disposition


@transaction.atomic
def disposition_forward(
    *, complaint: Complaint, actor: Actor, to_agency: Agency, reason: str
) -> Disposition:
    """Koordinasi: hand the complaint to the agency that holds authority, with a fresh deadline."""
    current = _require_open_disposition(complaint)
    if to_agency.pk == current.agency_id:
        raise TransitionError(_("The complaint is already with %s.") % to_agency.name)
    _disposition_close(current, state=Disposition.State.FORWARDED)
    return _disposition_open(
        complaint=complaint,
        agency=to_agency,
        actor=actor,
        action="forward",
        note=reason,
        forwarded_from=current,
    )


@transaction.atomic
def disposition_assign(
    *,
    complaint: Complaint,
    actor: Actor,
    agency: Agency,
    note: str = "",
    category: Category | None = None,
    area: Area | None = None,
) -> Disposition:
    """An operator sends a complaint from triage to an agency, categorizing it on the way.

    The category is set first so the new disposition's deadlines follow it; a category
    given here is a person's decision, recorded as such and learned from. An area the
    operator learned (by phone, from the photo) is recorded for reports and later routing.
    """
    if category is not None:
        complaint_services.complaint_set_category(
            complaint=complaint, category=category, actor=actor
        )
        categorizer.decision_record_person(complaint=complaint, category=category, actor=actor)
    if area is not None:
        complaint_services.complaint_set_area(
            complaint=complaint,
            area=area,
            actor=actor,
            source=complaint_services.AreaSource.OPERATOR,
        )
    return _disposition_open(
        complaint=complaint, agency=agency, actor=actor, action="assign", note=note
    )


@transaction.atomic
def disposition_reassign_after_reopen(
    *, complaint: Complaint, resolved: Disposition, reason: str
) -> Disposition:
    """A reopened complaint goes back to the agency that resolved it, with fresh deadlines."""
    return _disposition_open(
        complaint=complaint,
        agency=resolved.agency,
        actor=SYSTEM_ACTOR,
        action="reassign",
        note=reason.strip(),
        reopen_of=resolved,
    )


@transaction.atomic
def disposition_return_to_triage(*, complaint: Complaint, actor: Actor, reason: str) -> Disposition:
    """ "Not our authority": the agency hands the complaint back to the operators."""
    disposition = _require_open_disposition(complaint)
    complaint_transition(complaint=complaint, action="return_to_triage", actor=actor, note=reason)
    _disposition_close(disposition, state=Disposition.State.RETURNED)
    return disposition


@transaction.atomic
def disposition_cancel_open(*, complaint: Complaint, now: datetime | None = None) -> None:
    """Cancel the complaint's open disposition: it was merged away, nobody works it twice."""
    disposition = disposition_current(complaint, lock=True)
    if disposition is not None:
        _disposition_close(disposition, state=Disposition.State.CANCELLED, now=now)


# The clock pauses while the agency waits for the reporter ----------------------------


def _end_pause(disposition: Disposition, *, now: datetime, move_deadlines: bool) -> list[str]:
    """Stop a running pause: count it in paused_total and, on resume, move the deadlines.

    Returns the fields changed (none when the disposition was not paused).
    """
    paused_at = disposition.paused_at
    if paused_at is None:
        return []
    wall_time = disposition.on_wall_time
    calendar = None if wall_time else working_calendar()
    span = pause_span(paused_at=paused_at, now=now, wall_time=wall_time, calendar=calendar)
    disposition.paused_total += span
    disposition.paused_at = None
    changed = ["paused_at", "paused_total"]
    if move_deadlines:
        for name in ("response_due_at", "resolution_due_at"):
            moved = deadline_moved_by_pause(
                getattr(disposition, name),
                paused_at=paused_at,
                span=span,
                wall_time=wall_time,
                calendar=calendar,
            )
            setattr(disposition, name, moved)
        changed += ["response_due_at", "resolution_due_at"]
    return changed


@transaction.atomic
def disposition_request_info(
    *, complaint: Complaint, actor: Actor, question: str, now: datetime | None = None
) -> Disposition:
    """The agency asks the reporter for information; its clock stops until the answer.

    The question is public (the tracking page shows it so the reporter can answer). A
    second question while waiting keeps the clock stopped since the first.
    """
    question = question.strip()
    if not question:
        raise ValidationError(_("Write the question for the reporter."))
    disposition = _require_open_disposition(complaint, lock=True)
    complaint_transition(complaint=complaint, action="request_info", actor=actor, note=question)
    if disposition.paused_at is None:
        disposition.paused_at = now or timezone.now()
        disposition.save(update_fields=["paused_at"])
    return disposition


@transaction.atomic
def disposition_provide_info(
    *, complaint: Complaint, actor: Actor, answer: str, now: datetime | None = None
) -> Disposition:
    """The reporter's answer (on the tracking page, or taken by an operator) restarts the clock.

    The open disposition's deadlines, and the complaint's, move later by the working
    time the pause lasted (wall time for emergencies). The answer is kept on the staff
    timeline; the public sees only that it arrived.
    """
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write your answer."))
    disposition = _require_open_disposition(complaint, lock=True)
    if disposition.paused_at is None:
        raise TransitionError(_("No question is waiting for an answer on this complaint."))
    changed = _end_pause(disposition, now=now or timezone.now(), move_deadlines=True)
    complaint_transition(
        complaint=complaint,
        action="provide_info",
        actor=actor,
        note=answer,
        due_at=disposition.resolution_due_at,
    )
    disposition.save(update_fields=changed)
    return disposition
