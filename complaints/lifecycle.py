"""The complaint state machine: the transitions, who may make them, and the one writer.

Statuses and colours are in complaints.statuses, actors and capacities in complaints.actors.

Every status change in Sigap goes through `complaint_transition`. It checks that the
transition is legal from the current status and that the actor may make it, updates the
row only if the status is still what was read (so two people racing cannot both win),
appends the event, and announces the change after commit. Nothing else writes
Complaint.status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import hooks, report_types
from .actors import (  # noqa: F401  (re-exported: callers import them from the lifecycle)
    AGENCY,
    CITIZEN,
    CITIZEN_ACTOR,
    OPERATOR,
    SUPERVISOR,
    SYSTEM,
    SYSTEM_ACTOR,
    Actor,
    event_actor_text,
)
from .models import Agency, Complaint, ComplaintEvent, Status
from .statuses import (  # noqa: F401  (re-exported: callers import them from the lifecycle)
    OPEN_STATUSES,
    PUBLIC_STATUS_LABELS,
    STATUS_COLOURS,
    Colour,
    public_status_label,
    status_colour,
)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (an event without a status change)
    allowed: frozenset[str]
    event_kind: str = ComplaintEvent.Kind.TRANSITION
    note_required: bool = False
    sets_agency: bool = False
    # The new holder is nobody (the complaint goes back to the operators).
    clears_agency: bool = False
    # The action moves the holder's deadline (the clock restarting after a pause).
    sets_due_at: bool = False
    # Done at most once per holder (a second "accept" by a racing colleague is refused).
    once_per_holder: bool = False
    public_text: str = field(default="", compare=False)
    # How the action reads inside a sentence ("You may not <verb> this complaint").
    verb: str = field(default="", compare=False)


def _t(
    action: str,
    sources: set[str],
    target: str | None,
    allowed: set[str],
    public_text: str,
    verb: str,
    **options: object,
) -> Transition:
    return Transition(
        action=action,
        sources=frozenset(sources),
        target=target,
        allowed=frozenset(allowed),
        public_text=public_text,
        verb=verb,
        **options,  # type: ignore[arg-type]
    )


_OPEN = set(OPEN_STATUSES)
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(
            "route",
            {Status.NEW},
            Status.ASSIGNED,
            {SYSTEM},
            _("Sent to %(agency)s"),
            _("route"),
            sets_agency=True,
        ),
        _t(
            "send_to_triage",
            {Status.NEW},
            Status.TRIAGE,
            {SYSTEM},
            _("An operator is finding the right agency"),
            _("send to triage"),
        ),
        _t(
            "assign",
            {Status.TRIAGE},
            Status.ASSIGNED,
            {OPERATOR, SYSTEM},
            _("Sent to %(agency)s"),
            _("assign"),
            sets_agency=True,
        ),
        _t(
            "accept",
            {Status.ASSIGNED},
            None,
            {AGENCY},
            _("%(agency)s accepted the complaint"),
            _("accept"),
            event_kind=ComplaintEvent.Kind.ACCEPTED,
            once_per_holder=True,
        ),
        _t(
            "request_info",
            {Status.ASSIGNED, Status.IN_PROGRESS},
            None,
            {AGENCY},
            _("%(agency)s asks the reporter for more information: %(note)s"),
            _("request information on"),
            event_kind=ComplaintEvent.Kind.QUESTION,
            note_required=True,
        ),
        _t(
            "provide_info",
            {Status.ASSIGNED, Status.IN_PROGRESS},
            None,
            {CITIZEN, OPERATOR},
            _("The reporter sent the information; the deadline runs again"),
            _("answer a question on"),
            event_kind=ComplaintEvent.Kind.ANSWER,
            note_required=True,
            sets_due_at=True,
        ),
        _t(
            "start",
            {Status.ASSIGNED},
            Status.IN_PROGRESS,
            {AGENCY},
            _("%(agency)s is working on it"),
            _("start"),
        ),
        _t(
            "resolve",
            {Status.IN_PROGRESS},
            Status.RESOLVED,
            {AGENCY},
            _("%(agency)s reports it done: %(note)s"),
            _("resolve"),
            note_required=True,
        ),
        _t(
            "forward",
            {Status.ASSIGNED, Status.IN_PROGRESS},
            Status.ASSIGNED,
            {AGENCY, OPERATOR},
            _("Coordinated: handed to %(agency)s, which holds authority"),
            _("forward"),
            event_kind=ComplaintEvent.Kind.FORWARDED,
            note_required=True,
            sets_agency=True,
        ),
        _t(
            "return_to_triage",
            {Status.ASSIGNED},
            Status.TRIAGE,
            {AGENCY, OPERATOR},
            _("An operator is finding the agency that holds authority"),
            _("return to triage"),
            note_required=True,
            sets_agency=True,
            clears_agency=True,
        ),
        _t(
            "confirm",
            {Status.RESOLVED},
            Status.CLOSED,
            {CITIZEN, OPERATOR},
            _("The reporter confirmed it is done"),
            _("confirm"),
        ),
        _t(
            "close",
            {Status.RESOLVED},
            Status.CLOSED,
            {SYSTEM, OPERATOR},
            _("Closed: no objection within the reopening period"),
            _("close"),
        ),
        _t(
            "reopen",
            {Status.RESOLVED},
            Status.REOPENED,
            {CITIZEN, OPERATOR},
            _("The reporter says it is not fixed yet"),
            _("reopen"),
            note_required=True,
        ),
        _t(
            "reassign",
            {Status.REOPENED},
            Status.ASSIGNED,
            {SYSTEM, OPERATOR},
            _("Sent back to %(agency)s"),
            _("reassign"),
            sets_agency=True,
        ),
        _t(
            "reject",
            _OPEN,
            Status.REJECTED,
            {OPERATOR},
            _("Not followed up: %(note)s"),
            _("reject"),
            note_required=True,
        ),
        _t(
            "mark_duplicate",
            _OPEN,
            Status.DUPLICATE,
            {OPERATOR},
            _("Merged with another complaint about the same problem"),
            _("mark as duplicate"),
        ),
    ]
}


def action_verb(action: str) -> str:
    transition = TRANSITIONS.get(action)
    return str(transition.verb) if transition is not None else action


class TransitionError(Exception):
    """A transition was refused; the message is safe to show to the person who tried."""


class IllegalTransition(TransitionError):
    pass


class TransitionNotPermitted(TransitionError):
    pass


class ConcurrentTransition(TransitionError):
    pass


def allowed_actions(*, complaint: Complaint, actor: Actor) -> list[str]:
    """The actions `actor` may take on `complaint` now (for buttons and API hints)."""
    capacities = actor.capacities(complaint)
    return [
        t.action
        for t in TRANSITIONS.values()
        if complaint.status in t.sources and capacities & t.allowed
    ]


_UNSET = object()
_HOLDER_MOVES = [t.action for t in TRANSITIONS.values() if t.sets_agency]


def _lock_unchanged_status(*, complaint: Complaint, transition: Transition, current: str) -> None:
    """Row-lock the complaint for an action that keeps its status, and re-check under the lock.

    The guarded UPDATE cannot tell two such actions apart (the status they filter on does
    not change), so the row lock serializes them: the second waits for the first's commit
    and then sees its event. An action done once per holder (accept) is refused then.
    """
    locked = (
        Complaint.objects.select_for_update()
        .filter(pk=complaint.pk, status=current)
        .values_list("pk", flat=True)
        .first()
    )
    done = False
    if locked is not None and transition.once_per_holder:
        events = ComplaintEvent.objects.filter(complaint_id=complaint.pk)
        moved = events.filter(action__in=_HOLDER_MOVES).order_by("-id").values("id")[:1]
        done = events.filter(action=transition.action, id__gt=Subquery(moved)).exists()
    if locked is None or done:
        raise ConcurrentTransition(
            _("Someone else changed this complaint just now; reload and try again.")
        )


@transaction.atomic
def complaint_transition(
    *,
    complaint: Complaint,
    action: str,
    actor: Actor,
    note: str = "",
    is_public: bool = True,
    agency: Agency | object | None = _UNSET,
    due_at: datetime | None = None,
) -> ComplaintEvent:
    """Apply `action` to `complaint` or raise a TransitionError saying why not.

    `agency` is the new holder for the actions that move the complaint between agencies
    (route, assign, forward, reassign) and is cleared by return_to_triage; `due_at` is
    the new holder's resolution deadline, or the holder's moved deadline for the actions
    that restart a paused clock (provide_info).
    """
    try:
        transition = TRANSITIONS[action]
    except KeyError:
        raise IllegalTransition(_("Unknown action “%s”.") % action) from None

    current = complaint.status
    problem = report_types.transition_problem(
        report_type=complaint.report_type, action=action, note=note
    )
    if problem:
        raise IllegalTransition(problem)
    if current not in transition.sources:
        raise IllegalTransition(
            _("Cannot %(action)s a complaint that is “%(status)s”.")
            % {"action": action_verb(action), "status": Status(current).label}
        )
    if not actor.capacities(complaint) & transition.allowed:
        raise TransitionNotPermitted(_("You may not %s this complaint.") % action_verb(action))
    note = note.strip()
    if transition.note_required and not note:
        raise TransitionError(_("A note is required to %s.") % action_verb(action))

    target = transition.target or current
    update: dict[str, object] = {"status": target, "updated_at": timezone.now()}
    if transition.sets_agency:
        if transition.clears_agency:
            agency = None
        elif not isinstance(agency, Agency):
            raise TransitionError(_("Choose the agency for this action."))
        update["agency"] = agency
        update["due_at"] = due_at if agency is not None else None
    elif transition.sets_due_at and due_at is not None:
        if complaint.due_at is not None and due_at < complaint.due_at:
            raise TransitionError(_("A deadline can only move later."))
        update["due_at"] = due_at
    if transition.target is None:
        _lock_unchanged_status(complaint=complaint, transition=transition, current=current)
    won = Complaint.objects.filter(pk=complaint.pk, status=current).update(**update)
    if not won:
        raise ConcurrentTransition(
            _("Someone else changed this complaint just now; reload and try again.")
        )
    previous_agency = complaint.agency
    for name, value in update.items():
        setattr(complaint, name, value)

    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=transition.event_kind,
        action=action,
        actor=actor.user,
        actor_label=actor.label,
        agency=complaint.agency or previous_agency,
        from_status=current,
        to_status=target,
        note=note,
        is_public=is_public,
    )
    hooks.fire(
        hooks.COMPLAINT_TRANSITIONED,
        complaint_id=complaint.pk,
        action=action,
        event_id=event.pk,
    )
    return event
