"""generate_complaints: rows consistent with what the services write, the same for the same seed."""

from __future__ import annotations

import hashlib
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from complaints.lifecycle import OPEN_STATUSES, TRANSITIONS
from complaints.models import Complaint, ComplaintEvent, Rating, Reporter, Status
from dispositions.deadlines import deadline_after, working_calendar, working_time_between
from dispositions.demo import demo_load
from dispositions.generator import generate_complaints
from dispositions.generator.calendar import FastCalendar, to_datetime
from dispositions.models import CategorizationDecision, Disposition, DuplicateLink, Escalation

pytestmark = pytest.mark.django_db

UNTIL = datetime(2026, 3, 16, 10, 30, tzinfo=UTC)


@pytest.fixture
def demo():
    demo_load()


def generate(count: int = 400, seed: int = 11, **options):
    return generate_complaints(count=count, seed=seed, months=6, until=UNTIL, **options)


def test_it_agrees_with_deadline_after_and_working_time_between():
    calendar = working_calendar(years=range(2025, 2028))
    fast = FastCalendar(
        calendar, first_day=datetime(2025, 1, 1).date(), last_day=datetime(2027, 12, 31).date()
    )
    rng = random.Random(3)  # noqa: S311 -- a fixed sample, not a secret
    for _ in range(300):
        start = datetime(2025, 1, 5, tzinfo=UTC) + timedelta(seconds=rng.uniform(0, 600 * 86400))
        hours = rng.choice([0.5, 2, 6, 8, 16, 24, 40, 56, 100])
        expected = deadline_after(start=start, hours=hours, calendar=calendar)
        got = to_datetime(fast.after(start.timestamp(), hours * 3600))
        assert abs((got - expected).total_seconds()) < 0.01, (start, hours)
        end = start + timedelta(seconds=rng.uniform(0, 20 * 86400))
        span = working_time_between(start=start, end=end, calendar=calendar).total_seconds()
        assert abs(fast.between(start.timestamp(), end.timestamp()) - span) < 0.01


def test_it_writes_a_whole_lifecycle_consistent_with_the_services(demo):
    # The highest id, not the count: on PostgreSQL ids of earlier tests' rolled-back rows
    # are gone but the sequence has moved past them.
    before = Complaint.objects.order_by("-id").values_list("id", flat=True).first() or 0
    result = generate(count=600)
    generated = Complaint.objects.filter(pk__gt=before)
    assert generated.count() == 600 == result.complaints
    statuses = Counter(generated.values_list("status", flat=True))
    # Every stage of the lifecycle is there.
    for status in (Status.CLOSED, Status.ASSIGNED, Status.REJECTED, Status.DUPLICATE):
        assert statuses[status] > 0, statuses
    actions = set(ComplaintEvent.objects.values_list("action", flat=True))
    assert {"route", "accept", "start", "resolve", "confirm", "close", "reopen", "reassign",
            "forward", "send_to_triage", "assign", "reject", "mark_duplicate",
            "request_info", "provide_info"} <= actions  # fmt: skip
    channels = Counter(generated.values_list("channel", flat=True))
    assert channels.most_common(1)[0][0] == "whatsapp"
    assert 0.35 < channels["whatsapp"] / 600 < 0.6

    for complaint in generated.prefetch_related("events", "dispositions"):
        events = sorted(complaint.events.all(), key=lambda e: (e.created_at, e.pk))
        assert events[0].kind == ComplaintEvent.Kind.CREATED
        assert all(e.created_at <= UNTIL for e in events)
        changes = [e for e in events if e.action in TRANSITIONS]
        # Each transition starts where the last one ended, and is legal from there.
        status = Status.NEW
        for event in changes:
            assert event.from_status == status, (complaint.pk, event.action)
            assert status in TRANSITIONS[event.action].sources, (complaint.pk, event.action)
            status = event.to_status
        assert complaint.status == status
        # Timeline notes (escalations) leave updated_at alone, as complaint_add_note does.
        assert complaint.updated_at == max(e.created_at for e in events if e.action or not e.note)
        dispositions = list(complaint.dispositions.all())
        open_ones = [d for d in dispositions if d.is_open]
        assert len(open_ones) <= 1
        if complaint.status in (Status.ASSIGNED, Status.IN_PROGRESS):
            assert len(open_ones) == 1
            assert open_ones[0].agency_id == complaint.agency_id
            assert open_ones[0].resolution_due_at == complaint.due_at
        else:
            assert not open_ones, complaint.status
        if complaint.status == Status.DUPLICATE:
            master = Complaint.objects.get(pk=complaint.merged_into_id)
            assert master.status != Status.DUPLICATE and master.created_at < complaint.created_at
        if complaint.status == Status.TRIAGE:
            assert complaint.agency_id is None
        for d in dispositions:
            assert d.response_due_at > d.created_at and d.resolution_due_at >= d.response_due_at
            if d.state in (Disposition.State.RESOLVED, Disposition.State.FORWARDED):
                assert d.closed_at is not None and d.closed_at >= d.created_at

    # Ratings rate a resolve event of their own complaint; escalations only open states.
    for rating in Rating.objects.select_related("resolution"):
        assert rating.resolution.action == "resolve"
        assert rating.resolution.complaint_id == rating.complaint_id
    for escalation in Escalation.objects.select_related("disposition")[:300]:
        d = escalation.disposition
        assert escalation.fired_at >= escalation.reached_at >= d.created_at
        assert d.closed_at is None or escalation.fired_at <= d.closed_at
    assert Escalation.objects.filter(step=Escalation.Step.SANCTION).exists()
    assert DuplicateLink.objects.filter(state=DuplicateLink.State.MERGED).exists()
    assert CategorizationDecision.objects.count() >= 600
    # Backlog of every age: some complaints wait for days past their deadline.
    assert generated.filter(status__in=OPEN_STATUSES, due_at__lt=UNTIL).exists()
    assert Reporter.objects.count() > 0


def _digest() -> str:
    rows = [
        *Complaint.objects.order_by("id").values_list(
            "id", "tracking_code", "public_token", "status", "channel", "category_id",
            "area_id", "agency_id", "due_at", "created_at", "text",
        ),
        *ComplaintEvent.objects.order_by("id").values_list("id", "action", "created_at", "note"),
        *Disposition.objects.order_by("id").values_list("id", "state", "resolution_due_at"),
        *Escalation.objects.order_by("id").values_list("id", "step", "fired_at"),
        *Rating.objects.order_by("id").values_list("id", "score"),
    ]  # fmt: skip
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _delete_generated(before: int) -> None:
    generated = Complaint.objects.filter(pk__gt=before)
    Rating.objects.filter(complaint__in=generated).delete()
    DuplicateLink.objects.filter(complaint__in=generated).delete()
    generated.filter(merged_into__isnull=False).delete()
    generated.delete()
    Reporter.objects.filter(complaints__isnull=True).delete()


def test_it_makes_the_same_rows_from_the_same_seed(demo):
    before = Complaint.objects.order_by("-id").values_list("id", flat=True)[0]
    generate(count=150, seed=5)
    first = _digest()
    _delete_generated(before)
    generate(count=150, seed=5)
    assert _digest() == first
    _delete_generated(before)
    generate(count=150, seed=6)
    assert _digest() != first


def test_it_keeps_tracking_codes_unique_and_sequences_ahead(demo):
    generate(count=200)
    assert not Complaint.objects.values("tracking_code").annotate(n=Count("id")).filter(n__gt=1)
    # The next complaint made by the services gets a fresh id, not a generated one's.
    from complaints.services import complaint_create

    made = complaint_create(channel="web", text="Lampu jalan mati di Jl. Dago.")
    assert made.pk > Complaint.objects.exclude(pk=made.pk).order_by("-id")[0].pk
    assert ComplaintEvent.objects.filter(complaint=made).count() == 1


def test_the_command_prints_progress_and_refuses_bad_input(demo):
    out = io.StringIO()
    call_command("generate_complaints", "--count", "50", "--seed", "2", "--months", "2",
                 "--until", "2026-03-01", "--no-rebuild", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "50 / 50 complaints (100%)" in text
    assert "Generated 50 complaints" in text
    with pytest.raises(CommandError):
        call_command("generate_complaints", "--count", "0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("generate_complaints", "--count", "5", "--until", "yesterday")


def test_it_needs_the_demo_reference_data():
    with pytest.raises(CommandError, match="load_demo"):
        call_command("generate_complaints", "--count", "5", stdout=io.StringIO())


def test_open_statuses_hold_open_work(demo):
    generate(count=300)
    assert not Complaint.objects.filter(
        Q(status=Status.CLOSED) | Q(status=Status.RESOLVED), dispositions__state="pending"
    ).exists()
