"""Routing gives working-time deadlines; emergencies, urgent complaints and policies differ."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from complaints.models import Category, Complaint, Priority
from complaints.services import complaint_create
from dispositions import services
from dispositions.models import DeadlinePolicy, Disposition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

WIB = ZoneInfo("Asia/Jakarta")
FRIDAY_3PM = datetime(2026, 11, 20, 15, tzinfo=WIB)


def _routed(world, *, category=None, priority=Priority.NORMAL, now=FRIDAY_3PM) -> Disposition:
    complaint = complaint_create(
        channel="web", text="Ada masalah di sini", category=category or world.road, area=world.dago
    )
    Complaint.objects.filter(pk=complaint.pk).update(priority=priority)  # set by triage later
    services.disposition_route(complaint_id=complaint.pk, now=now)
    return Disposition.objects.select_related("complaint").get(complaint=complaint)


def test_routing_on_a_friday_afternoon_counts_working_hours(world):
    disposition = _routed(world)  # Jalan rusak: 6 h to respond, 72 h to resolve
    assert disposition.response_due_at == datetime(2026, 11, 23, 13, tzinfo=WIB)
    assert disposition.resolution_due_at == datetime(2026, 12, 3, 15, tzinfo=WIB)
    assert disposition.complaint.due_at == disposition.resolution_due_at
    assert not disposition.on_wall_time


def test_an_emergency_category_runs_on_wall_time(world):
    flood = Category.objects.create(
        slug="banjir",
        name="Banjir",
        parent=world.infra,
        response_hours=2,
        resolution_hours=24,
        is_emergency=True,
    )
    disposition = _routed(world, category=flood)
    assert disposition.on_wall_time
    assert disposition.response_due_at == datetime(2026, 11, 20, 17, tzinfo=WIB)
    assert disposition.resolution_due_at == datetime(2026, 11, 21, 15, tzinfo=WIB)


def test_an_emergency_topic_covers_its_subcategories(world):
    Category.objects.filter(pk=world.infra.pk).update(is_emergency=True)
    world.road.refresh_from_db()
    assert _routed(world).on_wall_time


def test_an_urgent_complaint_runs_on_wall_time(world):
    disposition = _routed(world, priority=Priority.URGENT)
    assert disposition.on_wall_time
    assert disposition.response_due_at == datetime(2026, 11, 20, 21, tzinfo=WIB)


def test_a_deadline_policy_overrides_the_category_for_its_priority(world):
    DeadlinePolicy.objects.create(
        category=world.road, priority=Priority.HIGH, response_hours=2, resolution_hours=16
    )
    high = _routed(world, priority=Priority.HIGH)
    assert high.response_due_at == datetime(2026, 11, 23, 9, tzinfo=WIB)
    assert high.resolution_due_at == datetime(2026, 11, 24, 15, tzinfo=WIB)
    normal = _routed(world)  # no policy for "normal": the category's own hours
    assert normal.response_due_at == datetime(2026, 11, 23, 13, tzinfo=WIB)


def test_a_subcategory_policy_beats_its_topics_policy(world):
    DeadlinePolicy.objects.create(
        category=world.infra, priority=Priority.HIGH, response_hours=4, resolution_hours=40
    )
    assert _routed(world, priority=Priority.HIGH).response_due_at == datetime(
        2026, 11, 23, 11, tzinfo=WIB
    )
    DeadlinePolicy.objects.create(
        category=world.road, priority=Priority.HIGH, response_hours=1, resolution_hours=8
    )
    assert _routed(world, priority=Priority.HIGH).response_due_at == datetime(
        2026, 11, 20, 16, tzinfo=WIB
    )


def test_routing_in_the_lebaran_week_waits_for_the_office_to_reopen(world):
    # The package's "government" category holds 2026's cuti bersama (the default setting):
    # Wednesday 18 to Tuesday 24 March 2026 has no working day.
    disposition = _routed(world, now=datetime(2026, 3, 17, 14, tzinfo=WIB))
    assert disposition.response_due_at == datetime(2026, 3, 25, 12, tzinfo=WIB)
