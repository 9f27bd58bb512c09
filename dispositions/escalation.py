"""The escalation ladder: due-soon reminder, notice to the head, supervisor, sanction record.

Beat runs `escalate_due` every minute (dispositions.tasks.escalate_deadlines). Each step
of each deadline of each disposition fires once: the step's `Escalation` row is inserted
in its own savepoint, the unique constraint (disposition, deadline kind, step) lets one
process win, and only the winner writes the timeline note and sends the notice (after
its commit). Several beats or workers running at once, or a run repeated after an
outage, therefore cannot send a notice twice. See docs/escalation.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.lifecycle import OPEN_STATUSES, SYSTEM_ACTOR
from complaints.models import User
from complaints.services import complaint_add_note
from complaints.templatetags.sigap_format import local_time

from .models import Disposition, Escalation

logger = logging.getLogger(__name__)

Kind = Escalation.Kind
Step = Escalation.Step
LADDER: tuple[str, ...] = (Step.DUE_SOON, Step.OVERDUE, Step.SUPERVISOR, Step.SANCTION)
# Beat runs every minute; a notice later than this says so, and by how much.
LATE_AFTER = timedelta(minutes=2)

KIND_WORDS = {
    Kind.RESPONSE: gettext_lazy("response deadline"),
    Kind.RESOLUTION: gettext_lazy("resolution deadline"),
}


@dataclass(frozen=True)
class DueStep:
    """One step whose moment has come: which deadline, which rung, since when."""

    kind: str
    step: str
    due_at: datetime
    reached_at: datetime


@dataclass(frozen=True)
class FiredStep:
    disposition_id: int
    kind: str
    step: str
    notified: tuple[str, ...]


@dataclass
class EscalationReport:
    """What one run did: dispositions looked at, steps fired, steps another run won."""

    checked: int = 0
    fired: list[FiredStep] = field(default_factory=list)
    lost: int = 0


def step_moments(*, start: datetime, due_at: datetime) -> dict[str, datetime]:
    """When each rung of the ladder is reached for a deadline running from `start`.

    The reminder comes at the later of "N hours before" and "P% of the time used": a
    week-long deadline is reminded of 2 hours before, a 2-hour emergency one not at the
    very moment it opens.
    """
    hours_before = due_at - timedelta(hours=settings.ESCALATION_DUE_SOON_HOURS)
    share_used = start + (due_at - start) * settings.ESCALATION_DUE_SOON_PERCENT / 100
    return {
        Step.DUE_SOON: max(hours_before, share_used),
        Step.OVERDUE: due_at,
        Step.SUPERVISOR: due_at + timedelta(hours=settings.ESCALATION_SUPERVISOR_AFTER_HOURS),
        Step.SANCTION: due_at + timedelta(hours=settings.ESCALATION_SANCTION_AFTER_HOURS),
    }


def _deadlines(disposition: Disposition) -> list[tuple[str, datetime]]:
    """The deadlines still running: the response one only until the agency accepts."""
    deadlines = [(Kind.RESOLUTION, disposition.resolution_due_at)]
    if disposition.state == Disposition.State.PENDING:
        deadlines.insert(0, (Kind.RESPONSE, disposition.response_due_at))
    return deadlines


def due_steps(disposition: Disposition, *, now: datetime) -> list[DueStep]:
    """The steps reached by `now` and not yet recorded, oldest first, in ladder order.

    Reads `disposition.escalations.all()`, so prefetch it when looking at many.
    """
    recorded = {(e.deadline_kind, e.step) for e in disposition.escalations.all()}
    found = [
        DueStep(kind=kind, step=step, due_at=due_at, reached_at=reached_at)
        for kind, due_at in _deadlines(disposition)
        for step, reached_at in step_moments(start=disposition.created_at, due_at=due_at).items()
        if reached_at <= now and (kind, step) not in recorded
    ]
    return sorted(found, key=lambda s: (s.reached_at, LADDER.index(s.step)))


def _candidates(now: datetime) -> QuerySet[Disposition]:
    """Open dispositions with a deadline inside the reminder horizon and no sanction yet.

    Every step is reached no earlier than ESCALATION_DUE_SOON_HOURS before its deadline,
    so this one query (on the (state, *_due_at) indexes) holds every disposition that may
    have a step to fire; `due_steps` then decides exactly.
    """
    horizon = now + timedelta(hours=settings.ESCALATION_DUE_SOON_HOURS)

    def sanctioned(kind: str) -> Q:
        return Q(
            Exists(
                Escalation.objects.filter(
                    disposition=OuterRef("pk"), deadline_kind=kind, step=Step.SANCTION
                )
            )
        )

    response = Q(state=Disposition.State.PENDING, response_due_at__lte=horizon) & ~sanctioned(
        Kind.RESPONSE
    )
    resolution = Q(resolution_due_at__lte=horizon) & ~sanctioned(Kind.RESOLUTION)
    return (
        # A paused clock (the agency waits for the reporter's answer) escalates nothing;
        # the answer moves the deadlines later and the ladder resumes from them.
        Disposition.objects.filter(
            state__in=Disposition.OPEN_STATES,
            complaint__status__in=OPEN_STATUSES,
            paused_at__isnull=True,
        )
        .filter(response | resolution)
        .select_related("complaint__area", "complaint__agency", "agency")
        .prefetch_related("escalations")
        .order_by("id")
    )


def _emails(users: QuerySet[User]) -> list[str]:
    return list(users.exclude(email="").order_by("username").values_list("email", flat=True))


def _recipients(disposition: Disposition, step: str) -> list[str]:
    """Who hears of a step: the agency, then its head, then the supervisors over the area.

    A step nobody hears of is no escalation: when the agency has no address and no
    active head to tell, the supervisors over the area are told instead.
    """
    active = User.objects.filter(is_active=True)
    members = active.filter(agency_id=disposition.agency_id)
    heads = _emails(members.filter(role=User.Role.AGENCY_HEAD))
    area = disposition.complaint.area
    in_scope = Q(area__isnull=True) | Q(area__code__in=area.ancestor_codes if area else [])
    supervisors = _emails(active.filter(in_scope, role=User.Role.SUPERVISOR))
    if step == Step.DUE_SOON:
        team = members.filter(role__in=[User.Role.AGENCY_STAFF, User.Role.AGENCY_HEAD])
        found = [disposition.agency.email, *_emails(team)]
    elif step == Step.OVERDUE:
        found = heads
    elif step == Step.SUPERVISOR:
        found = supervisors
    else:
        found = [*heads, *supervisors]
    return list(dict.fromkeys(e for e in found if e)) or supervisors


def _headline(disposition: Disposition, due: DueStep) -> str:
    values = {
        "code": disposition.complaint.tracking_code,
        "agency": disposition.agency.name,
        "deadline": KIND_WORDS[due.kind],
        "due": local_time(due.due_at),
        "over": timesince(due.due_at, due.reached_at, depth=1),
    }
    if due.step == Step.DUE_SOON:
        text = _("Due soon: the %(deadline)s of complaint %(code)s at %(agency)s is %(due)s.")
    elif due.step == Step.OVERDUE:
        text = _("Complaint %(code)s at %(agency)s has passed its %(deadline)s (%(due)s).")
    elif due.step == Step.SUPERVISOR:
        text = _(
            "Complaint %(code)s at %(agency)s is still past its %(deadline)s (%(due)s) "
            "after %(over)s."
        )
    else:
        text = _(
            "Sanction recorded for %(agency)s: complaint %(code)s is past its %(deadline)s "
            "(%(due)s) by %(over)s."
        )
    return text % values


def _lateness(due: DueStep, now: datetime) -> str:
    """A sentence saying how late the step fires (after an outage), or nothing."""
    if now - due.reached_at <= LATE_AFTER:
        return ""
    return _("This notice is %(late)s late: the step was reached at %(reached)s.") % {
        "late": timesince(due.reached_at, now, depth=2),
        "reached": local_time(due.reached_at),
    }


def _send(*, subject: str, body: str, to: list[str], escalation_id: int) -> None:
    """Runs after commit. A mail server that fails is logged; the step stays recorded."""
    try:
        send_mail(subject, body, None, to)
    except Exception:
        logger.exception("Escalation %s: the notice to %s was not sent", escalation_id, to)


def _record(disposition: Disposition, due: DueStep, *, now: datetime) -> Escalation | None:
    """Insert the step's row; None when another process already recorded it.

    The savepoint keeps the surrounding transaction usable after the unique violation.
    On PostgreSQL a concurrent insert of the same key waits for the first to commit, then
    fails here, so the loser never sends anything.
    """
    headline = _headline(disposition, due)
    lateness = _lateness(due, now)
    try:
        with transaction.atomic():
            return Escalation.objects.create(
                disposition=disposition,
                deadline_kind=due.kind,
                step=due.step,
                due_at=due.due_at,
                reached_at=due.reached_at,
                fired_at=now,
                notified=_recipients(disposition, due.step),
                note=f"{headline} {lateness}".strip(),
            )
    except IntegrityError:
        already = Escalation.objects.filter(
            disposition=disposition, deadline_kind=due.kind, step=due.step
        ).exists()
        if already:
            return None
        raise


def _notify(disposition: Disposition, escalation: Escalation) -> None:
    """The timeline note now (same transaction), the email after commit."""
    complaint = disposition.complaint
    complaint_add_note(complaint=complaint, actor=SYSTEM_ACTOR, note=escalation.note)
    if not escalation.notified:
        logger.warning("Escalation %s: nobody to notify", escalation.pk)
        return
    url = settings.PUBLIC_BASE_URL + reverse(
        "dashboard:complaint", kwargs={"tracking_code": complaint.tracking_code}
    )
    subject = _("[Sigap] %(step)s: %(code)s") % {
        "step": escalation.get_step_display(),
        "code": complaint.tracking_code,
    }
    body = "\n\n".join([escalation.note, complaint.title, _("Open it: %s") % url])
    transaction.on_commit(
        partial(
            _send,
            subject=subject,
            body=body,
            to=list(escalation.notified),
            escalation_id=escalation.pk,
        )
    )


def escalate_due(*, now: datetime) -> EscalationReport:
    """Fire every escalation step reached by `now` that nobody has fired yet.

    Each disposition's steps run in their own transaction, not one for the whole run:
    a catch-up after days of downtime must not hold one long transaction, and one
    disposition's failure must not undo the notices already committed for the others.
    """
    report = EscalationReport()
    for disposition in _candidates(now):
        report.checked += 1
        steps = due_steps(disposition, now=now)
        if not steps:
            continue
        with transaction.atomic():
            for due in steps:
                escalation = _record(disposition, due, now=now)
                if escalation is None:
                    report.lost += 1
                    continue
                _notify(disposition, escalation)
                report.fired.append(
                    FiredStep(
                        disposition_id=disposition.pk,
                        kind=due.kind,
                        step=due.step,
                        notified=tuple(escalation.notified),
                    )
                )
    if report.fired:
        logger.info("Escalation: %d steps fired", len(report.fired))
    return report
