"""An action that keeps the status (accept) takes a row lock: two people cannot both win."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from complaints.lifecycle import TRANSITIONS, Actor, ConcurrentTransition, action_verb
from complaints.models import Complaint, ComplaintEvent
from dispositions.services import disposition_accept
from tests.dashboard.test_staff_pages import make_complaint


@pytest.mark.usefixtures("english")
def test_every_transition_carries_its_verb_and_only_return_clears_the_agency():
    assert all(t.verb for t in TRANSITIONS.values())
    assert action_verb("request_info") == "request information on"
    assert [a for a, t in TRANSITIONS.items() if t.clears_agency] == ["return_to_triage"]


@pytest.mark.django_db
def test_a_second_accept_by_the_same_holder_is_refused(world, staff_roads):
    complaint = make_complaint(world)
    actor = Actor.for_user(staff_roads)
    disposition_accept(complaint=complaint, actor=actor)

    with pytest.raises(ConcurrentTransition):
        disposition_accept(complaint=Complaint.objects.get(pk=complaint.pk), actor=actor)

    accepted = ComplaintEvent.objects.filter(complaint=complaint, action="accept")
    assert accepted.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers, so there is no race to lose; run with DATABASE_URL "
    "pointing at PostgreSQL to prove the row lock settles it",
)
@pytest.mark.django_db(transaction=True)
def test_two_colleagues_accepting_at_once_one_wins(world, staff_roads, head_roads):
    complaint = make_complaint(world)
    barrier = threading.Barrier(2)
    won: list[str] = []
    lost: list[Exception] = []

    def accept(user) -> None:
        try:
            mine = Complaint.objects.get(pk=complaint.pk)
            barrier.wait(timeout=10)
            disposition_accept(complaint=mine, actor=Actor.for_user(user))
            won.append(user.username)
        except ConcurrentTransition as exc:
            lost.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(u,)) for u in (staff_roads, head_roads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(won) == 1
    assert len(lost) == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, action="accept").count() == 1
