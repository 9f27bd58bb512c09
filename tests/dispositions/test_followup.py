"""After "resolved": confirm and rate, reopen to the same agency, auto-close, first-time fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from complaints.lifecycle import (
    CITIZEN_ACTOR,
    Actor,
    IllegalTransition,
    TransitionError,
    status_colour,
)
from complaints.models import Complaint, ComplaintEvent, Rating, Status
from complaints.selectors import latest_resolution, resolved_past_window
from complaints.services import complaint_create
from dispositions import followup, services
from dispositions.models import Disposition
from dispositions.selectors import agency_first_time_fix_rate
from dispositions.tasks import close_silent_resolved

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _routed(world, **kwargs) -> Complaint:
    kwargs.setdefault("category", world.road)
    kwargs.setdefault("area", world.dago)
    complaint = complaint_create(channel="web", text="Jalan berlubang besar", **kwargs)
    services.disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    return complaint


def _resolve(complaint: Complaint, user, note: str = "Lubang sudah ditambal") -> Disposition:
    actor = Actor.for_user(user)
    services.disposition_start(complaint=complaint, actor=actor)
    return services.disposition_resolve(complaint=complaint, actor=actor, note=note)


@pytest.fixture
def resolved(world, staff_roads) -> Complaint:
    complaint = _routed(world)
    _resolve(complaint, staff_roads)
    return complaint


def test_it_closes_on_confirm_and_records_the_rating(resolved):
    resolution = latest_resolution(resolved)
    followup.complaint_confirm(
        complaint=resolved, actor=CITIZEN_ACTOR, score=4, comment="  Cepat, terima kasih  "
    )
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED
    assert status_colour(resolved.status) == "green"
    rating = Rating.objects.get(complaint=resolved)
    assert (rating.score, rating.comment, rating.resolution) == (
        4,
        "Cepat, terima kasih",
        resolution,
    )
    assert rating.resolution.agency == resolved.agency  # the agency rated


def test_it_confirms_without_a_rating_and_rates_later_once(resolved):
    followup.complaint_confirm(complaint=resolved, actor=CITIZEN_ACTOR)
    assert not Rating.objects.exists()
    followup.complaint_rate(complaint=resolved, actor=CITIZEN_ACTOR, score=5)
    with pytest.raises(TransitionError, match="already been rated"):
        followup.complaint_rate(complaint=resolved, actor=CITIZEN_ACTOR, score=3)
    assert Rating.objects.get().score == 5


@pytest.mark.parametrize("score", [0, 6, -1])
def test_it_enforces_rating_bounds_in_the_service_and_the_database(resolved, score):
    with pytest.raises(ValidationError, match="1 to 5"):
        followup.complaint_confirm(complaint=resolved, actor=CITIZEN_ACTOR, score=score)
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED  # nothing happened
    with pytest.raises(IntegrityError):
        Rating.objects.create(
            complaint=resolved, resolution=latest_resolution(resolved), score=max(score, 0)
        )


def test_it_refuses_rating_an_open_complaint_and_staff_rating(world, staff_roads):
    complaint = _routed(world)
    with pytest.raises(TransitionError, match="Only a resolved complaint"):
        followup.complaint_rate(complaint=complaint, actor=CITIZEN_ACTOR, score=3)
    _resolve(complaint, staff_roads)
    with pytest.raises(TransitionError, match="may not rate"):
        followup.complaint_rate(complaint=complaint, actor=Actor.for_user(staff_roads), score=5)


def test_reopen_sends_it_back_to_the_same_agency_with_fresh_deadlines(resolved, world):
    old = Disposition.objects.get(complaint=resolved)
    new = followup.complaint_reopen(
        complaint=resolved, actor=CITIZEN_ACTOR, reason="Lubangnya muncul lagi"
    )
    resolved.refresh_from_db()
    old.refresh_from_db()
    assert resolved.status == Status.ASSIGNED
    assert status_colour(resolved.status) == "red"
    assert resolved.agency == world.roads_bdg
    assert old.state == Disposition.State.RESOLVED  # the first round is kept as it was
    assert new.reopen_of == old and new.is_open and new.agency == world.roads_bdg
    # Fresh deadlines counted from the reopening (equal to the old ones only when both
    # moments fall outside working hours, as on a Sunday night).
    assert new.created_at > old.created_at
    assert new.resolution_due_at >= old.resolution_due_at
    assert new.response_due_at >= old.response_due_at
    assert resolved.due_at == new.resolution_due_at
    assert new.note == "Lubangnya muncul lagi"
    actions = list(resolved.events.values_list("action", "from_status", "to_status"))
    assert actions[-2:] == [
        ("reopen", Status.RESOLVED, Status.REOPENED),
        ("reassign", Status.REOPENED, Status.ASSIGNED),
    ]
    assert resolved.events.get(action="reopen").note == "Lubangnya muncul lagi"


def test_the_agency_works_the_reopened_complaint_and_it_can_be_rated_again(resolved, staff_roads):
    followup.complaint_reopen(complaint=resolved, actor=CITIZEN_ACTOR, reason="Belum beres")
    _resolve(resolved, staff_roads, note="Ditambal ulang dengan aspal hotmix")
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED
    followup.complaint_confirm(complaint=resolved, actor=CITIZEN_ACTOR, score=5)
    assert Rating.objects.get().resolution.note == "Ditambal ulang dengan aspal hotmix"


def test_reopen_needs_a_reason(resolved):
    with pytest.raises(TransitionError, match="note is required"):
        followup.complaint_reopen(complaint=resolved, actor=CITIZEN_ACTOR, reason="  ")


def test_reopen_after_the_window_is_refused(resolved, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    resolved_at = latest_resolution(resolved).created_at
    followup_now = resolved_at + timedelta(days=7)
    with pytest.raises(TransitionError, match="period to reopen this complaint ended"):
        followup.complaint_reopen(
            complaint=resolved, actor=CITIZEN_ACTOR, reason="Masih rusak", now=followup_now
        )
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED
    # One second before the end it is still allowed.
    followup.complaint_reopen(
        complaint=resolved,
        actor=CITIZEN_ACTOR,
        reason="Masih rusak",
        now=followup_now - timedelta(seconds=1),
    )


def test_only_the_reporter_or_an_operator_may_reopen(resolved, staff_roads, operator):
    with pytest.raises(TransitionError, match="may not reopen"):
        followup.complaint_reopen(complaint=resolved, actor=Actor.for_user(staff_roads), reason="x")
    followup.complaint_reopen(
        complaint=resolved, actor=Actor.for_user(operator), reason="Pelapor menelepon"
    )


def test_an_open_complaint_cannot_be_reopened_or_confirmed(world):
    complaint = _routed(world)
    with pytest.raises(IllegalTransition):
        followup.complaint_reopen(complaint=complaint, actor=CITIZEN_ACTOR, reason="x")
    with pytest.raises(IllegalTransition):
        followup.complaint_confirm(complaint=complaint, actor=CITIZEN_ACTOR, score=5)


def test_a_forwarded_then_resolved_complaint_reopens_to_the_agency_that_resolved_it(
    world, staff_roads, staff_env
):
    complaint = _routed(world)
    services.disposition_forward(
        complaint=complaint,
        actor=Actor.for_user(staff_roads),
        to_agency=world.env_bdg,
        reason="Saluran air, kewenangan DLH",
    )
    resolved = _resolve(complaint, staff_env)
    new = followup.complaint_reopen(complaint=complaint, actor=CITIZEN_ACTOR, reason="Banjir lagi")
    complaint.refresh_from_db()
    assert complaint.agency == world.env_bdg
    assert new.agency == world.env_bdg and new.reopen_of == resolved


def test_silence_closes_after_the_window_not_before_and_only_once(world, staff_roads, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    first, second = _routed(world), _routed(world)
    _resolve(first, staff_roads)
    _resolve(second, staff_roads)
    # The second was resolved three days later than the first.
    ComplaintEvent.objects.filter(complaint=second, action="resolve").update(
        created_at=F("created_at") + timedelta(days=3)
    )
    at = latest_resolution(first).created_at

    assert followup.resolved_complaints_close(now=at + timedelta(days=6, hours=23)) == 0
    assert followup.resolved_complaints_close(now=at + timedelta(days=7)) == 1
    assert followup.resolved_complaints_close(now=at + timedelta(days=7, hours=1)) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.CLOSED, Status.RESOLVED)
    close = first.events.get(action="close")
    assert (close.actor, close.actor_label) == (None, "system")
    assert followup.resolved_complaints_close(now=at + timedelta(days=10, hours=1)) == 1
    second.refresh_from_db()
    assert second.status == Status.CLOSED


def test_a_reopened_round_gets_a_fresh_window(resolved, staff_roads, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    first_round = latest_resolution(resolved).created_at
    followup.complaint_reopen(complaint=resolved, actor=CITIZEN_ACTOR, reason="Belum beres")
    _resolve(resolved, staff_roads)
    ComplaintEvent.objects.filter(pk=latest_resolution(resolved).pk).update(
        created_at=first_round + timedelta(days=5)
    )
    assert followup.resolved_complaints_close(now=first_round + timedelta(days=8)) == 0
    assert followup.resolved_complaints_close(now=first_round + timedelta(days=12)) == 1


def test_the_close_sweep_selects_in_one_query(world, staff_roads, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    for _ in range(3):
        _resolve(_routed(world), staff_roads)
    later = latest_resolution(Complaint.objects.first()).created_at + timedelta(days=30)
    with CaptureQueriesContext(connection) as queries:
        assert len(list(resolved_past_window(now=later))) == 3
    assert len(queries) == 1


def test_the_beat_task_closes_silent_complaints(resolved, settings):
    settings.REOPEN_WINDOW_DAYS = 0
    assert close_silent_resolved.delay().get() == 1
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED
    assert close_silent_resolved.delay().get() == 0


def test_first_time_fix_rate(world, staff_roads, staff_env):
    fixed = _routed(world)
    _resolve(fixed, staff_roads)
    again = _routed(world)
    first_round = _resolve(again, staff_roads)
    followup.complaint_reopen(complaint=again, actor=CITIZEN_ACTOR, reason="Belum beres")
    _resolve(again, staff_roads)  # the second try is not a first-time fix either way
    _routed(world)  # still open: not counted
    other = _routed(world, category=world.garbage)
    _resolve(other, staff_env)  # another agency: not counted

    kpi = agency_first_time_fix_rate(agency=world.roads_bdg)
    assert (kpi.resolved, kpi.reopened, kpi.fixed, kpi.rate) == (2, 1, 1, 0.5)
    assert agency_first_time_fix_rate(agency=world.env_bdg).rate == 1.0
    assert agency_first_time_fix_rate(agency=world.kel_sukarasa).rate is None

    # The period is the resolution time of the first attempt.
    after = first_round.closed_at + timedelta(microseconds=1)
    assert agency_first_time_fix_rate(agency=world.roads_bdg, since=after).resolved == 0
    assert agency_first_time_fix_rate(agency=world.roads_bdg, until=after).resolved == 2
