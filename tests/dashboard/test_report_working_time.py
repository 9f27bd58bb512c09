"""Working-time durations, report types and confidential complaints in the report facts.

Hand-built: complaints received and answered at known moments around a weekend, Good
Friday (3 April 2026, a national holiday) and an admin's day off, so every working and
calendar hour is known.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from complaints.lifecycle import Actor
from complaints.models import Complaint
from complaints.services import complaint_create
from dashboard.models import ComplaintFact, WorkingInterval
from dashboard.reports.facts import facts_rebuild, facts_refresh
from dashboard.reports.period import ReportInputError, parse_filters
from dashboard.reports.scope import ReportScope
from dashboard.reports.sections import report_section
from dashboard.reports.tables import percentile
from dashboard.reports.workclock import facts_enrich, working_intervals_sync
from dispositions.deadlines import working_calendar, working_time_between
from dispositions.models import Disposition, NonWorkingDay
from dispositions.services import disposition_resolve, disposition_route, disposition_start
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
APRIL = {"periode": "kustom", "dari": "2026-04-01", "sampai": "2026-04-30"}


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=WIB)


def _handled(world, staff, *, received, responded, resolved=None, **extra) -> Complaint:
    """A complaint received, accepted and (optionally) resolved at these moments."""
    c = complaint_create(channel="web", text="Jalan berlubang", category=world.road,
                         area=world.dago, **extra)  # fmt: skip
    disposition_route(complaint_id=c.pk)
    c.refresh_from_db()
    actor = Actor.for_user(staff)
    disposition_start(complaint=c, actor=actor)
    if resolved is not None:
        c.refresh_from_db()
        disposition_resolve(complaint=c, actor=actor, note="Sudah diperbaiki")
    Complaint.objects.filter(pk=c.pk).update(created_at=received)
    Disposition.objects.filter(complaint=c).update(
        created_at=received, accepted_at=responded, closed_at=resolved
    )
    return c


@pytest.fixture
def april(world, staff_roads):
    return {
        # Thursday 15:00 before Good Friday; accepted Monday 09:00: 1 h Thursday + 1 h
        # Monday = 2 working hours (90 calendar hours); resolved Tuesday 16:00:
        # 1 + 8 + 8 = 17 working hours (121 calendar hours).
        "holiday": _handled(world, staff_roads, received=wib(2, 15), responded=wib(6, 9),
                            resolved=wib(7, 16)),
        # Saturday 10:00 (no working time until Monday 08:00); accepted Monday 12:00 = 4 h.
        "weekend": _handled(world, staff_roads, received=wib(4, 10), responded=wib(6, 12)),
        # Thursday 9 April 10:00; the admin made Friday 10 April a day off; accepted
        # Monday 13 April 10:00: 6 h Thursday + 2 h Monday = 8 working hours.
        "day_off": _handled(world, staff_roads, received=wib(9, 10), responded=wib(13, 10)),
    }  # fmt: skip


def _fact(c: Complaint) -> ComplaintFact:
    return ComplaintFact.objects.get(complaint_id=c.pk)


def test_working_seconds_skip_nights_weekends_holidays_and_days_off(world, april):
    NonWorkingDay.objects.create(date=wib(10, 0).date(), name="Libur daerah",
                                 kind=NonWorkingDay.Kind.LOCAL_HOLIDAY)  # fmt: skip
    facts_rebuild()
    holiday = _fact(april["holiday"])
    assert holiday.response_work_seconds == 2 * 3600
    assert holiday.resolution_work_seconds == 17 * 3600
    assert _fact(april["weekend"]).response_work_seconds == 4 * 3600
    assert _fact(april["weekend"]).resolution_work_seconds is None
    assert _fact(april["day_off"]).response_work_seconds == 8 * 3600


def test_an_admin_day_off_lays_the_calendar_out_again(world, april):
    facts_rebuild()
    assert _fact(april["day_off"]).response_work_seconds == 16 * 3600  # Friday worked
    assert working_intervals_sync() is False  # nothing changed: nothing rebuilt
    NonWorkingDay.objects.create(date=wib(10, 0).date(), name="Libur daerah",
                                 kind=NonWorkingDay.Kind.LOCAL_HOLIDAY)  # fmt: skip
    assert working_intervals_sync() is True
    facts_rebuild()
    assert _fact(april["day_off"]).response_work_seconds == 8 * 3600


def test_the_sql_clock_equals_the_deadlines_arithmetic(world, april):
    """Random moments through April: the database's working seconds equal
    dispositions.deadlines.working_time_between, second for second."""
    facts_rebuild()
    c = april["weekend"]
    calendar = working_calendar()
    rng = random.Random(8)  # noqa: S311 - reproducible test moments, not secrets
    for _ in range(40):
        start = wib(1, 0) + timedelta(minutes=rng.randrange(0, 29 * 24 * 60))
        end = start + timedelta(minutes=rng.randrange(0, 12 * 24 * 60))
        Complaint.objects.filter(pk=c.pk).update(created_at=start)
        ComplaintFact.objects.filter(pk=c.pk).update(created_at=start, responded_at=end)
        facts_enrich("c.id = %s", [c.pk])
        expected = working_time_between(start=start, end=end, calendar=calendar)
        assert _fact(c).response_work_seconds == int(expected.total_seconds()), (start, end)


def test_timeliness_reports_working_and_calendar_hours(world, april, english):
    facts_rebuild()
    scope = ReportScope()
    tables = {t.key: t for t in report_section("ketepatan-waktu", scope,
                                                parse_filters(APRIL, scope))}  # fmt: skip
    durations = tables["durations"]
    assert [str(c) for c in durations.columns] == [
        "Measure", "Counted in", "Complaints", "Median (h)", "90th percentile (h)"
    ]  # fmt: skip
    rows = {(str(r[0]), str(r[1])): r[2:] for r in durations.rows}
    # Working hours to first response: 2, 4 and 16 (Friday 10 April is a working day
    # here); the buckets' linear interpolation gives the median and 90th percentile.
    values = {"wr_n": 3}
    for edge in (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440):
        values[f"wr_{edge}"] = sum(1 for h in (2, 4, 16) if h < edge)
    assert rows[("First response", "working hours")] == [
        3, percentile(values, 0.5, "wr"), percentile(values, 0.9, "wr")
    ]  # fmt: skip
    assert rows[("Resolution", "working hours")][0] == 1
    assert rows[("Resolution", "calendar hours")][0] == 1
    # One resolution after 121 calendar hours (between the 120 and 168 h edges).
    assert 120 <= rows[("Resolution", "calendar hours")][1] <= 168
    assert 12 <= rows[("Resolution", "working hours")][1] <= 24
    assert "working hours" in str(tables["sla"].title)
    assert "holidays" in str(tables["sla"].note)


def test_the_page_labels_the_working_time(client, world, april, supervisor):
    facts_rebuild()
    client.login(username="supervisor", password=PASSWORD)
    url = reverse("dashboard:report", args=["ketepatan-waktu"])
    page = client.get(url, APRIL).content.decode()
    assert "jam kerja" in page and "jam kalender" in page


def test_report_type_is_a_filter_and_a_dimension(client, world, staff_roads, supervisor,
                                                  english):  # fmt: skip
    for report_type in ("pengaduan", "pengaduan", "informasi", "aspirasi"):
        c = complaint_create(
            channel="web", text="Mohon info jadwal", category=world.road, area=world.dago,
            report_type=report_type,
        )  # fmt: skip
        disposition_route(complaint_id=c.pk)
    facts_rebuild()
    scope = ReportScope()
    volume = {t.key: t.rows for t in report_section("volume", scope, parse_filters({}, scope))}
    assert volume["report_type"] == [
        ["Complaint", 2, 50.0], ["Suggestion", 1, 25.0], ["Information request", 1, 25.0],
    ]  # fmt: skip
    only_info = parse_filters({"jenis": "informasi"}, scope)
    assert only_info.querystring().endswith("jenis=informasi")
    tables = {t.key: t.rows for t in report_section("volume", scope, only_info)}
    assert tables["report_type"] == [["Information request", 1, 100.0]]
    assert tables["channel"][0][1] == 1
    with pytest.raises(ReportInputError):
        parse_filters({"jenis": "keluhan"}, scope)

    client.login(username="supervisor", password=PASSWORD)
    page = client.get(reverse("dashboard:report", args=["volume"]), {"jenis": "informasi"})
    assert page.status_code == 200
    assert 'value="informasi" selected' in page.content.decode()
    assert (
        client.get(reverse("dashboard:report", args=["volume"]), {"jenis": "x"}).status_code == 400
    )


def test_a_report_type_change_reaches_the_facts(world, operator):
    from complaints.services import complaint_set_report_type

    c = complaint_create(channel="web", text="Usul taman baru", category=world.road,
                         area=world.dago)  # fmt: skip
    disposition_route(complaint_id=c.pk)
    facts_rebuild()
    assert _fact(c).report_type == "pengaduan"
    complaint_set_report_type(complaint=c, report_type="aspirasi", actor=Actor.for_user(operator))
    assert facts_refresh() == 1
    assert _fact(c).report_type == "aspirasi"
    assert WorkingInterval.objects.exists()


def test_confidential_complaints_stay_out_of_public_area_tables(world, staff_roads):
    """The public sees them in city-wide counts, never in a kecamatan, kelurahan or
    agency row; staff reports count them everywhere."""
    for confidential in (True, False, False):
        c = complaint_create(channel="web", text="Pungli di kantor kelurahan",
                             category=world.road, area=world.dago,
                             is_confidential=confidential)  # fmt: skip
        disposition_route(complaint_id=c.pk)
    facts_rebuild()
    public = ReportScope.public_scope()
    filters = parse_filters({}, public)
    volume = {t.key: t.rows for t in report_section("volume", public, filters)}
    assert sum(r[1] for r in volume["channel"]) == 3  # city-wide: counted
    assert volume["kecamatan"] == [[world.coblong.name, 2]]
    assert volume["kelurahan"] == [[world.dago.name, 2]]
    assert volume["agency"] == [[world.roads_bdg.name, 2]]
    staff = ReportScope()
    staff_volume = {t.key: t.rows for t in report_section("volume", staff, filters)}
    assert staff_volume["kecamatan"] == [[world.coblong.name, 3]]
