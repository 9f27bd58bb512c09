"""The state machine: every legal transition works, every illegal one is refused clearly."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from complaints import lifecycle
from complaints.lifecycle import (
    CITIZEN_ACTOR,
    SYSTEM_ACTOR,
    TRANSITIONS,
    Actor,
    ConcurrentTransition,
    IllegalTransition,
    TransitionError,
    TransitionNotPermitted,
    allowed_actions,
    complaint_transition,
    status_colour,
)
from complaints.models import Complaint, ComplaintEvent, Status
from complaints.services import complaint_create

pytestmark = pytest.mark.usefixtures("english")

ALL_STATUSES = list(Status)


def _complaint_in(status: str, world, agency=None) -> Complaint:
    """A complaint forced into `status` for the table tests (test setup only)."""
    complaint = complaint_create(channel="web", text="Lampu jalan mati", category=world.road)
    Complaint.objects.filter(pk=complaint.pk).update(
        status=status, agency=agency or world.roads_bdg
    )
    complaint.refresh_from_db()
    return complaint


def _actor_for(transition, *, operator, staff_roads) -> Actor:
    """An actor with the first capacity the transition allows."""
    capacity = sorted(transition.allowed)[0]
    return {
        "system": SYSTEM_ACTOR,
        "citizen": CITIZEN_ACTOR,
        "operator": Actor.for_user(operator),
        "agency": Actor.for_user(staff_roads),
    }[capacity]


LEGAL = [(t.action, source) for t in TRANSITIONS.values() for source in sorted(t.sources)]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "source"), LEGAL)
def test_every_legal_transition_moves_and_writes_one_event(
    action, source, world, operator, staff_roads
):
    transition = TRANSITIONS[action]
    complaint = _complaint_in(source, world)
    before = ComplaintEvent.objects.filter(complaint=complaint).count()
    actor = _actor_for(transition, operator=operator, staff_roads=staff_roads)

    event = complaint_transition(
        complaint=complaint,
        action=action,
        actor=actor,
        note="catatan",
        agency=world.env_bdg if transition.sets_agency else lifecycle._UNSET,
    )

    complaint.refresh_from_db()
    expected = transition.target or source
    assert complaint.status == expected
    assert (event.from_status, event.to_status, event.action) == (source, expected, action)
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == before + 1
    if action == "return_to_triage":
        assert complaint.agency is None
        assert complaint.due_at is None
    elif transition.sets_agency:
        assert complaint.agency == world.env_bdg


ILLEGAL = [
    (t.action, status)
    for t in TRANSITIONS.values()
    for status in ALL_STATUSES
    if status not in t.sources
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "source"), ILLEGAL)
def test_every_illegal_transition_is_refused_and_changes_nothing(
    action, source, world, operator, staff_roads
):
    transition = TRANSITIONS[action]
    complaint = _complaint_in(source, world)
    events_before = ComplaintEvent.objects.filter(complaint=complaint).count()
    actor = _actor_for(transition, operator=operator, staff_roads=staff_roads)

    with pytest.raises(IllegalTransition, match="Cannot"):
        complaint_transition(
            complaint=complaint, action=action, actor=actor, note="x", agency=world.env_bdg
        )

    complaint.refresh_from_db()
    assert complaint.status == source
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == events_before


@pytest.mark.django_db
def test_it_refuses_an_unknown_action(world):
    complaint = _complaint_in(Status.ASSIGNED, world)
    with pytest.raises(IllegalTransition, match="Unknown action"):
        complaint_transition(complaint=complaint, action="teleport", actor=SYSTEM_ACTOR)


@pytest.mark.django_db
def test_other_agency_staff_may_not_act(world, staff_env):
    complaint = _complaint_in(Status.ASSIGNED, world, agency=world.roads_bdg)
    with pytest.raises(TransitionNotPermitted):
        complaint_transition(complaint=complaint, action="start", actor=Actor.for_user(staff_env))
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED


@pytest.mark.django_db
def test_citizen_cannot_resolve_and_agency_cannot_confirm(world, staff_roads):
    in_progress = _complaint_in(Status.IN_PROGRESS, world)
    with pytest.raises(TransitionNotPermitted):
        complaint_transition(
            complaint=in_progress, action="resolve", actor=CITIZEN_ACTOR, note="sudah"
        )
    resolved = _complaint_in(Status.RESOLVED, world)
    with pytest.raises(TransitionNotPermitted):
        complaint_transition(
            complaint=resolved, action="confirm", actor=Actor.for_user(staff_roads)
        )


@pytest.mark.django_db
def test_supervisor_reads_but_does_not_act(world, supervisor):
    complaint = _complaint_in(Status.TRIAGE, world)
    assert allowed_actions(complaint=complaint, actor=Actor.for_user(supervisor)) == []


@pytest.mark.django_db
def test_inactive_user_may_not_act(world, staff_roads):
    staff_roads.is_active = False
    complaint = _complaint_in(Status.ASSIGNED, world)
    with pytest.raises(TransitionNotPermitted):
        complaint_transition(complaint=complaint, action="start", actor=Actor.for_user(staff_roads))


@pytest.mark.django_db
def test_notes_are_required_where_a_reason_matters(world, staff_roads, operator):
    complaint = _complaint_in(Status.IN_PROGRESS, world)
    with pytest.raises(TransitionError, match="note is required"):
        complaint_transition(
            complaint=complaint, action="resolve", actor=Actor.for_user(staff_roads), note="  "
        )
    with pytest.raises(TransitionError, match="note is required"):
        complaint_transition(complaint=complaint, action="reject", actor=Actor.for_user(operator))


@pytest.mark.django_db
def test_moves_between_agencies_need_an_agency(world):
    complaint = _complaint_in(Status.NEW, world)
    with pytest.raises(TransitionError, match="Choose the agency"):
        complaint_transition(complaint=complaint, action="route", actor=SYSTEM_ACTOR)


@pytest.mark.django_db
def test_a_stale_copy_loses_the_race(world, staff_roads):
    complaint = _complaint_in(Status.ASSIGNED, world)
    stale = Complaint.objects.get(pk=complaint.pk)
    complaint_transition(complaint=complaint, action="start", actor=Actor.for_user(staff_roads))

    # The stale copy still believes "assigned": the guarded update finds no such row.
    with pytest.raises(ConcurrentTransition):
        complaint_transition(complaint=stale, action="start", actor=Actor.for_user(staff_roads))
    assert ComplaintEvent.objects.filter(complaint=complaint, action="start").count() == 1


@pytest.mark.django_db
def test_accept_records_an_event_without_changing_status(world, staff_roads):
    complaint = _complaint_in(Status.ASSIGNED, world)
    event = complaint_transition(
        complaint=complaint, action="accept", actor=Actor.for_user(staff_roads)
    )
    assert event.kind == ComplaintEvent.Kind.ACCEPTED
    assert (event.from_status, event.to_status) == (Status.ASSIGNED, Status.ASSIGNED)


def test_every_status_has_a_colour():
    assert {status_colour(s) for s in ALL_STATUSES} == {"red", "yellow", "green", "grey"}
    assert status_colour(Status.IN_PROGRESS) == "yellow"
    assert status_colour(Status.REOPENED) == "red"
    assert status_colour(Status.CLOSED) == "green"
    assert status_colour(Status.DUPLICATE) == "grey"


@pytest.mark.django_db
def test_events_are_append_only(world):
    complaint = _complaint_in(Status.ASSIGNED, world)
    event = complaint.events.first()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_only_the_lifecycle_writes_complaint_status():
    """No module but complaints/lifecycle.py assigns or updates Complaint.status."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\.status\s*=(?!=)|update\([^)]*\bstatus\s*=")
    offenders = []
    for path in root.glob("*/**/*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith((".venv/", "tests/", "var/")) or "/migrations/" in rel:
            continue
        if rel == "complaints/lifecycle.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line) and "disposition" not in line.lower():
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_an_answer_may_move_the_deadline_later_but_never_earlier(world, operator):
    complaint = _complaint_in(Status.ASSIGNED, world)
    due = complaint.created_at + timedelta(days=3)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=due)
    complaint.refresh_from_db()
    actor = Actor.for_user(operator)

    with pytest.raises(TransitionError, match="only move later"):
        complaint_transition(
            complaint=complaint,
            action="provide_info",
            actor=actor,
            note="jawaban",
            due_at=due - timedelta(hours=1),
        )
    complaint_transition(
        complaint=complaint,
        action="provide_info",
        actor=actor,
        note="jawaban",
        due_at=due + timedelta(hours=5),
    )
    complaint.refresh_from_db()
    assert complaint.due_at == due + timedelta(hours=5)
    assert complaint.status == Status.ASSIGNED
