"""The escalation ladder: each step at its moment, once, to the right people, after outages.

Deadlines are pinned to a fixed start T0 and every run gets an explicit `now`, so the
tests never depend on the clock. With the settings below a road complaint (response 6 h,
resolution 72 h) reaches its steps at:

    response:   due soon T0+4h48m (80% of 6 h), overdue T0+6h, supervisor T0+30h,
                sanction T0+78h
    resolution: due soon T0+70h (2 h before), overdue T0+72h, supervisor T0+96h,
                sanction T0+144h
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Complaint, ComplaintEvent, User
from complaints.services import complaint_create
from dispositions import services
from dispositions.escalation import escalate_due
from dispositions.models import Disposition, Escalation
from dispositions.selectors import agency_sanction_counts
from dispositions.tasks import escalate_deadlines
from tests.test_real_worker import start_worker  # noqa: F401 -- the real-worker fixture

pytestmark = [pytest.mark.usefixtures("english", "_ladder_settings")]

T0 = (timezone.now() - timedelta(days=30)).replace(microsecond=0)
H = timedelta(hours=1)
RESPONSE_STEPS = [
    ("response", "due_soon", T0 + timedelta(hours=4, minutes=48)),
    ("response", "overdue", T0 + 6 * H),
    ("response", "overdue_supervisor", T0 + 30 * H),
    ("response", "sanction", T0 + 78 * H),
]
RESOLUTION_STEPS = [
    ("resolution", "due_soon", T0 + 70 * H),
    ("resolution", "overdue", T0 + 72 * H),
    ("resolution", "overdue_supervisor", T0 + 96 * H),
    ("resolution", "sanction", T0 + 144 * H),
]
LADDER = sorted(RESPONSE_STEPS + RESOLUTION_STEPS, key=lambda s: s[2])


@pytest.fixture
def _ladder_settings(settings):
    settings.ESCALATION_DUE_SOON_HOURS = 2
    settings.ESCALATION_DUE_SOON_PERCENT = 80
    settings.ESCALATION_SUPERVISOR_AFTER_HOURS = 24
    settings.ESCALATION_SANCTION_AFTER_HOURS = 72


@pytest.fixture
def people(world, staff_roads, head_roads, staff_env, supervisor):
    """The personas with addresses, plus supervisors scoped inside and outside Bandung."""
    for user in (staff_roads, head_roads, staff_env, supervisor):
        user.email = f"{user.username}@sigap.test"
        user.save(update_fields=["email"])
    world.roads_bdg.email = "bina-marga@bandung.go.id"
    world.roads_bdg.save(update_fields=["email"])
    User.objects.create_user(
        username="sup_bandung",
        email="sup_bandung@sigap.test",
        role=User.Role.SUPERVISOR,
        area=world.bandung,
    )
    User.objects.create_user(
        username="sup_bekasi",
        email="sup_bekasi@sigap.test",
        role=User.Role.SUPERVISOR,
        area=world.bekasi,
    )
    User.objects.create_user(
        username="head_retired",
        email="head_retired@sigap.test",
        role=User.Role.AGENCY_HEAD,
        agency=world.roads_bdg,
        is_active=False,
    )


def overdue_road_complaint(world, text: str = "Jalan berlubang di Dago") -> Complaint:
    """A road complaint routed to Bina Marga Bandung whose clock started at T0."""
    complaint = complaint_create(channel="web", text=text, category=world.road, area=world.dago)
    services.disposition_route(complaint_id=complaint.pk)
    # Test setup: move the disposition's clock to T0 (response 6 h, resolution 72 h).
    Disposition.objects.filter(complaint=complaint).update(
        created_at=T0, response_due_at=T0 + 6 * H, resolution_due_at=T0 + 72 * H
    )
    complaint.refresh_from_db()
    return complaint


def fired(report) -> list[tuple[str, str]]:
    return [(f.kind, f.step) for f in report.fired]


def recorded(complaint: Complaint) -> list[tuple[str, str]]:
    return list(
        Escalation.objects.filter(disposition__complaint=complaint)
        .order_by("reached_at", "id")
        .values_list("deadline_kind", "step")
    )


# The ladder, step by step -----------------------------------------------------------


@pytest.mark.django_db
def test_it_fires_nothing_before_the_first_step(world, people):
    overdue_road_complaint(world)
    report = escalate_due(now=T0 + timedelta(hours=4, minutes=47))
    assert report.checked == 1  # inside the reminder horizon, but not yet due
    assert report.fired == []
    assert not Escalation.objects.exists()


@pytest.mark.django_db
def test_each_step_fires_at_its_moment_and_not_a_second_earlier(world, people):
    complaint = overdue_road_complaint(world)
    for kind, step, moment in LADDER:
        assert fired(escalate_due(now=moment - timedelta(seconds=1))) == []
        assert fired(escalate_due(now=moment)) == [(kind, step)]
    assert recorded(complaint) == [(kind, step) for kind, step, _ in LADDER]
    # The ladder is done: the disposition is no longer even a candidate.
    assert escalate_due(now=T0 + 1000 * H).checked == 0


@pytest.mark.django_db
def test_a_paused_clock_escalates_nothing(world, people):
    complaint = overdue_road_complaint(world)
    Disposition.objects.filter(complaint=complaint).update(paused_at=T0 + 1 * H)
    assert escalate_due(now=T0 + 100 * H).fired == []
    Disposition.objects.filter(complaint=complaint).update(paused_at=None)
    assert escalate_due(now=T0 + 100 * H).fired != []


@pytest.mark.django_db
def test_a_second_run_fires_nothing(world, people):
    overdue_road_complaint(world)
    first = escalate_due(now=T0 + 31 * H)
    assert fired(first) == [
        ("response", "due_soon"),
        ("response", "overdue"),
        ("response", "overdue_supervisor"),
    ]
    second = escalate_due(now=T0 + 31 * H)
    assert second.fired == []
    assert Escalation.objects.count() == 3


@pytest.mark.django_db
def test_it_catches_up_after_an_hour_of_downtime(
    world, people, django_capture_on_commit_callbacks, mailoutbox
):
    complaint = overdue_road_complaint(world)
    assert escalate_due(now=T0 + 4 * H + timedelta(minutes=30)).fired == []
    # The workers were down from T0+4h30 to T0+6h30: two steps passed unseen.
    with django_capture_on_commit_callbacks(execute=True):
        report = escalate_due(now=T0 + 6 * H + timedelta(minutes=30))

    assert fired(report) == [("response", "due_soon"), ("response", "overdue")]
    assert [m.subject for m in mailoutbox] == [
        f"[Sigap] Due soon: {complaint.tracking_code}",
        f"[Sigap] Overdue: agency head notified: {complaint.tracking_code}",
    ]
    assert "This notice is 1\xa0hour, 42\xa0minutes late" in mailoutbox[0].body
    assert "This notice is 30\xa0minutes late" in mailoutbox[1].body
    assert escalate_due(now=T0 + 6 * H + timedelta(minutes=31)).fired == []


@pytest.mark.django_db
def test_it_catches_up_after_three_days_of_downtime(
    world, people, django_capture_on_commit_callbacks, mailoutbox
):
    complaint = overdue_road_complaint(world)
    now = T0 + 80 * H
    with django_capture_on_commit_callbacks(execute=True):
        report = escalate_due(now=now)

    due_by_now = [(kind, step) for kind, step, moment in LADDER if moment <= now]
    assert fired(report) == due_by_now  # every due step, once, oldest first
    assert len(due_by_now) == 6
    assert len(mailoutbox) == 6
    assert all("late" in m.body for m in mailoutbox)
    for escalation in Escalation.objects.all():
        assert escalation.fired_at == now
        assert escalation.reached_at < now
    # The rest of the ladder still comes at its own moments, once each.
    assert escalate_due(now=now).fired == []
    assert fired(escalate_due(now=T0 + 200 * H)) == [
        ("resolution", "overdue_supervisor"),
        ("resolution", "sanction"),
    ]
    assert recorded(complaint) == [(kind, step) for kind, step, _ in LADDER]


@pytest.mark.django_db
def test_a_notice_on_time_does_not_say_it_is_late(
    world, people, django_capture_on_commit_callbacks, mailoutbox
):
    overdue_road_complaint(world)
    with django_capture_on_commit_callbacks(execute=True):
        escalate_due(now=T0 + timedelta(hours=4, minutes=49))
    assert len(mailoutbox) == 1
    assert "late" not in mailoutbox[0].body


# Which deadlines count -------------------------------------------------------------


@pytest.mark.django_db
def test_an_accepted_disposition_has_no_response_escalation(world, people, staff_roads):
    complaint = overdue_road_complaint(world)
    services.disposition_accept(complaint=complaint, actor=Actor.for_user(staff_roads))

    assert fired(escalate_due(now=T0 + 73 * H)) == [
        ("resolution", "due_soon"),
        ("resolution", "overdue"),
    ]


@pytest.mark.django_db
def test_resolved_forwarded_and_rejected_complaints_do_not_escalate(
    world, people, staff_roads, operator
):
    actor = Actor.for_user(staff_roads)
    resolved = overdue_road_complaint(world, "Jalan sudah diperbaiki")
    services.disposition_start(complaint=resolved, actor=actor)
    services.disposition_resolve(complaint=resolved, actor=actor, note="Sudah ditambal")
    forwarded = overdue_road_complaint(world, "Bukan kewenangan kami")
    services.disposition_forward(
        complaint=forwarded, actor=actor, to_agency=world.env_bdg, reason="Urusan DLH"
    )
    rejected = overdue_road_complaint(world, "Laporan iseng")
    complaint_transition(
        complaint=rejected, action="reject", actor=Actor.for_user(operator), note="Bukan aduan"
    )

    # The forwarded complaint's new disposition runs on today's clock: not due at T0+200h.
    assert escalate_due(now=T0 + 200 * H).fired == []
    assert not Escalation.objects.exists()


# Who hears of it, and what is kept ---------------------------------------------------


@pytest.mark.django_db
def test_notices_go_to_the_agency_then_its_head_then_the_supervisors_in_scope(
    world, people, django_capture_on_commit_callbacks, mailoutbox
):
    overdue_road_complaint(world)
    with django_capture_on_commit_callbacks(execute=True):
        escalate_due(now=T0 + 150 * H)
    steps = Escalation.objects.filter(deadline_kind="response")
    sent = {e.step: e.notified for e in steps}

    assert sent["due_soon"] == [
        "bina-marga@bandung.go.id",
        "head_roads@sigap.test",
        "staff_roads@sigap.test",
    ]
    assert sent["overdue"] == ["head_roads@sigap.test"]
    # The Bandung supervisor and the unscoped one; not Bekasi's, not another agency's staff.
    assert sent["overdue_supervisor"] == ["sup_bandung@sigap.test", "supervisor@sigap.test"]
    assert sent["sanction"] == [
        "head_roads@sigap.test",
        "sup_bandung@sigap.test",
        "supervisor@sigap.test",
    ]
    # One email per step, to exactly the people recorded on the step.
    assert sorted(m.to for m in mailoutbox) == sorted(e.notified for e in Escalation.objects.all())
    assert len(mailoutbox) == 8


@pytest.mark.django_db
def test_the_supervisors_are_told_when_the_agency_has_nobody_to_tell(world, people, staff_env):
    complaint = complaint_create(
        channel="web", text="Sampah menumpuk di Dago", category=world.garbage, area=world.dago
    )
    services.disposition_route(complaint_id=complaint.pk)
    Disposition.objects.filter(complaint=complaint).update(
        created_at=T0, response_due_at=T0 + 6 * H, resolution_due_at=T0 + 72 * H
    )
    escalate_due(now=T0 + 7 * H)

    # DLH Bandung has staff (the reminder reaches them) but no head and no address.
    reminder, overdue = Escalation.objects.order_by("reached_at")
    assert reminder.notified == ["staff_env@sigap.test"]
    assert overdue.notified == ["sup_bandung@sigap.test", "supervisor@sigap.test"]


@pytest.mark.django_db
def test_a_notice_names_the_complaint_the_deadline_and_the_page(
    world, people, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.PUBLIC_BASE_URL = "https://sigap.example.go.id"
    complaint = overdue_road_complaint(world)
    with django_capture_on_commit_callbacks(execute=True):
        escalate_due(now=T0 + 6 * H)
    overdue = mailoutbox[-1]
    assert overdue.subject == f"[Sigap] Overdue: agency head notified: {complaint.tracking_code}"
    assert (
        f"Complaint {complaint.tracking_code} at Dinas Bina Marga Kota Bandung has passed "
        "its response deadline" in overdue.body
    )
    assert complaint.title in overdue.body
    assert f"https://sigap.example.go.id/dashboard/aduan/{complaint.tracking_code}/" in overdue.body


@pytest.mark.django_db
def test_each_step_leaves_an_internal_note_on_the_timeline(world, people):
    complaint = overdue_road_complaint(world)
    escalate_due(now=T0 + 6 * H)
    notes = ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.NOTE)
    assert notes.count() == 2
    assert all(not n.is_public and n.actor_label == "system" for n in notes)
    assert "has passed its response deadline" in notes.last().note


@pytest.mark.django_db
def test_sanctions_are_counted_per_agency_by_when_they_were_reached(world, people):
    overdue_road_complaint(world, "Satu")
    overdue_road_complaint(world, "Dua")
    escalate_due(now=T0 + 150 * H)  # late: every step at once

    assert agency_sanction_counts(since=T0, until=T0 + 100 * H) == {world.roads_bdg.pk: 2}
    assert agency_sanction_counts(since=T0 + 100 * H, until=T0 + 150 * H) == {world.roads_bdg.pk: 2}
    assert agency_sanction_counts(since=T0 + 150 * H, until=T0 + 300 * H) == {}


@pytest.mark.django_db
def test_the_staff_page_and_the_admin_show_the_escalations(
    world, people, client, head_roads, admin_user
):
    complaint = overdue_road_complaint(world)
    escalate_due(now=T0 + 7 * H)

    client.force_login(head_roads)
    page = client.get(reverse("dashboard:complaint", args=[complaint.tracking_code]))
    steps = [e.step for e in page.context["detail"].escalations]
    assert steps == ["due_soon", "overdue"]
    assert page.context["detail"].escalations[1].late_by  # fired an hour after the deadline
    assert b'id="escalations"' in page.content

    client.force_login(admin_user)
    assert client.get(reverse("admin:dispositions_escalation_changelist")).status_code == 200
    escalation = Escalation.objects.first()
    change = client.get(reverse("admin:dispositions_escalation_change", args=[escalation.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content  # read-only


# The beat task ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_beat_task_runs_every_minute_and_escalates_what_is_due(world, people, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["escalate-deadlines"]
    assert entry["task"] == "dispositions.escalate_deadlines"
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] < 60

    overdue_road_complaint(world)  # T0 is 30 days ago: the whole ladder is due
    assert escalate_deadlines.delay().get() == 8
    assert escalate_deadlines.delay().get() == 0


# Concurrency: two runs at the same instant (PostgreSQL) -------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers, so there is no race to lose; run with DATABASE_URL "
    "pointing at PostgreSQL to prove the unique constraint settles it",
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_instant_fire_each_step_once(world, people, mailoutbox):
    complaints = [overdue_road_complaint(world, f"Jalan rusak {i}") for i in range(5)]
    now = T0 + 80 * H  # six steps due on each disposition
    barrier = threading.Barrier(2)
    reports = []
    errors = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(escalate_due(now=now))
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(reports) == 2
    steps = 6 * len(complaints)
    assert sum(len(r.fired) for r in reports) == steps
    assert sum(r.lost for r in reports) <= steps  # what one run found the other had done
    assert Escalation.objects.count() == steps
    assert len(mailoutbox) == steps
    notes = ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.NOTE, actor_label="system")
    assert notes.count() == steps


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL's row-level wait on a uncommitted unique key; SQLite takes the "
    "whole database's write lock before the run reads anything",
)
@pytest.mark.django_db(transaction=True)
def test_the_run_that_loses_the_insert_sends_nothing(world, people, mailoutbox):
    """Deterministic race: the other run's row is uncommitted when this run inserts."""
    complaint = overdue_road_complaint(world)
    disposition = Disposition.objects.get(complaint=complaint)
    now = T0 + 5 * H  # only the response reminder is due
    reports = []

    def run() -> None:
        try:
            reports.append(escalate_due(now=now))
        finally:
            connections.close_all()

    with transaction.atomic():
        # "The other worker" has inserted the step and not committed yet.
        Escalation.objects.create(
            disposition=disposition,
            deadline_kind="response",
            step="due_soon",
            due_at=disposition.response_due_at,
            reached_at=T0 + timedelta(hours=4, minutes=48),
            fired_at=now,
        )
        loser = threading.Thread(target=run)
        loser.start()
        loser.join(timeout=2)
        assert loser.is_alive()  # its insert waits on our uncommitted row
    loser.join(timeout=30)

    assert len(reports) == 1
    assert reports[0].fired == []
    assert reports[0].lost == 1
    assert mailoutbox == []
    assert Escalation.objects.count() == 1
    assert not ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.NOTE).exists()


# A real worker ---------------------------------------------------------------------------

# The console email backend prints each notice in the worker's log.
NOTICE = re.compile(r"^Subject: \[Sigap\] ", re.MULTILINE)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_to_a_real_worker_fire_each_step_once(world, people, start_worker):  # noqa: F811
    overdue_road_complaint(world)  # its clock started 30 days ago: all eight steps are due
    # Two beats (or one message delivered twice) queued while the worker was down; the
    # worker's two pool processes may take both at once. It runs the default margins,
    # which are the ones these tests set.
    escalate_deadlines.delay()
    escalate_deadlines.delay()
    worker = start_worker()

    task = "dispositions.escalate_deadlines"
    worker.wait_until(lambda: len(worker.succeeded(task)) == 2, "both deliveries ran")

    assert sum(int(fired) for fired in worker.succeeded(task)) == 8
    assert Escalation.objects.count() == 8
    assert len(NOTICE.findall(worker.log())) == 8
