"""Deadline arithmetic in working time, with explicit moments in Asia/Jakarta (WIB)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_time_ranges, env_weekdays
from dispositions.deadlines import (
    WorkingCalendar,
    deadline_after,
    public_holidays,
    working_calendar,
    working_time_between,
)
from dispositions.models import NonWorkingDay

WIB = ZoneInfo("Asia/Jakarta")
OFFICE_HOURS = ((time(8), time(16)),)
MON_FRI = frozenset(range(5))
# Cuti bersama around Idul Fitri and Nyepi 2026 (SKB 3 Menteri), as an admin enters them.
CUTI_BERSAMA_LEBARAN_2026 = [
    date(2026, 3, 18),
    date(2026, 3, 20),
    date(2026, 3, 23),
    date(2026, 3, 24),
]


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def calendar(*, hours=OFFICE_HOURS, extra=(), categories=("public",)) -> WorkingCalendar:
    return WorkingCalendar(
        working_days=MON_FRI,
        hours=hours,
        tz=WIB,
        non_working_dates=public_holidays((2026, 2027), categories) | frozenset(extra),
    )


CAL = calendar()


def after(start: datetime, hours: float, cal: WorkingCalendar = CAL) -> datetime:
    return deadline_after(start=start, hours=hours, calendar=cal)


# November 2026 has no holiday: Monday 16 to Friday 20 is a plain working week.
@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(wib(2026, 11, 16, 10), 3, wib(2026, 11, 16, 13), id="inside-hours"),
        pytest.param(wib(2026, 11, 16, 6, 30), 2, wib(2026, 11, 16, 10), id="before-opening"),
        pytest.param(wib(2026, 11, 16, 17), 2, wib(2026, 11, 17, 10), id="after-closing"),
        pytest.param(wib(2026, 11, 20, 15), 4, wib(2026, 11, 23, 11), id="friday-afternoon"),
        pytest.param(wib(2026, 11, 21, 9), 1, wib(2026, 11, 23, 9), id="saturday-start"),
        pytest.param(wib(2026, 11, 22, 23, 59), 8, wib(2026, 11, 23, 16), id="sunday-night"),
        pytest.param(wib(2026, 11, 16, 16), 1, wib(2026, 11, 17, 9), id="at-closing-sharp"),
        pytest.param(wib(2026, 11, 16, 8), 8, wib(2026, 11, 16, 16), id="ends-at-closing"),
        pytest.param(wib(2026, 11, 16, 15), 1, wib(2026, 11, 16, 16), id="last-hour"),
        pytest.param(wib(2026, 11, 16, 15, 30), 1.5, wib(2026, 11, 17, 9), id="fractional"),
        pytest.param(wib(2026, 11, 16, 9), 0.25, wib(2026, 11, 16, 9, 15), id="quarter-hour"),
        pytest.param(wib(2026, 11, 16, 8), 72, wib(2026, 11, 26, 16), id="nine-working-days"),
        pytest.param(wib(2026, 11, 18, 12), 24, wib(2026, 11, 23, 12), id="over-a-weekend"),
        pytest.param(wib(2026, 11, 16, 8), 168, wib(2026, 12, 14, 16), id="21-working-days"),
    ],
)
def test_it_counts_working_hours(start, hours, expected):
    assert after(start, hours) == expected


def test_zero_hours_is_the_start_itself_even_on_a_sunday():
    assert after(wib(2026, 11, 22, 10), 0) == wib(2026, 11, 22, 10)
    assert after(wib(2026, 11, 16, 10), 0) == wib(2026, 11, 16, 10)


def test_it_skips_independence_day():
    # Monday 17 August 2026 is a public holiday: Friday's last hour, then Tuesday.
    assert after(wib(2026, 8, 14, 15), 4) == wib(2026, 8, 18, 11)


def test_christmas_eve_is_cuti_bersama_in_the_packages_government_category():
    with_cuti = calendar(categories=("public", "government"))
    # Wed 23 Dec 15:00 + 2 h: Thu 24 (cuti bersama), Fri 25 (Christmas), weekend -> Mon 28.
    assert after(wib(2026, 12, 23, 15), 2, with_cuti) == wib(2026, 12, 28, 9)
    assert after(wib(2026, 12, 23, 15), 2, CAL) == wib(2026, 12, 24, 9)


def test_the_package_knows_idul_fitri_2026_and_2027():
    days = public_holidays((2026, 2027), ("public",))
    assert {date(2026, 3, 21), date(2026, 3, 22)} <= days  # 1 and 2 Syawal 1447 H
    assert {date(2027, 3, 10), date(2027, 3, 11)} <= days  # estimated by the package
    cuti = public_holidays((2026,), ("government",))
    assert set(CUTI_BERSAMA_LEBARAN_2026) <= cuti


def test_the_eve_of_lebaran_2026_with_the_cuti_bersama_an_admin_entered():
    # Tuesday 17 March 2026, 14:00: Wed 18 cuti (Nyepi), Thu 19 Nyepi, Fri 20 cuti,
    # Sat 21 and Sun 22 Idul Fitri, Mon 23 and Tue 24 cuti. Work resumes Wed 25 March.
    lebaran = calendar(extra=CUTI_BERSAMA_LEBARAN_2026)
    assert after(wib(2026, 3, 17, 14), 8, lebaran) == wib(2026, 3, 25, 14)
    # Without the admin's cuti bersama only Nyepi and the two Idul Fitri days are skipped.
    assert after(wib(2026, 3, 17, 14), 8, CAL) == wib(2026, 3, 18, 14)


def test_across_the_whole_holiday_week():
    lebaran = calendar(extra=CUTI_BERSAMA_LEBARAN_2026)
    start = wib(2026, 3, 16, 8)
    assert after(start, 24, lebaran) == wib(2026, 3, 25, 16)
    # The whole week, Wednesday to Tuesday, holds no working time at all.
    week = working_time_between(
        start=wib(2026, 3, 17, 16), end=wib(2026, 3, 25, 8), calendar=lebaran
    )
    assert week == timedelta(0)


def test_a_split_day_skips_the_lunch_break():
    split = calendar(hours=((time(8), time(12)), (time(13), time(16))))
    assert after(wib(2026, 11, 16, 11), 2, split) == wib(2026, 11, 16, 14)
    assert after(wib(2026, 11, 16, 12, 30), 1, split) == wib(2026, 11, 16, 14)
    assert after(wib(2026, 11, 16, 8), 7, split) == wib(2026, 11, 16, 16)


def test_jakarta_has_no_daylight_saving_and_utc_input_gives_the_same_answer():
    for month in (1, 7):
        assert wib(2026, month, 5, 9).utcoffset() == timedelta(hours=7)
    start_utc = datetime(2026, 11, 20, 8, tzinfo=UTC)  # Friday 15:00 WIB
    result = after(start_utc, 4)
    assert result == wib(2026, 11, 23, 11)
    assert result.tzinfo == WIB


def test_a_zone_with_daylight_saving_still_counts_real_hours():
    # Europe/Amsterdam moves clocks forward on Sunday 29 March 2026; a deployment there
    # still gets Friday's last hour plus Monday's first, measured in real time.
    ams = ZoneInfo("Europe/Amsterdam")
    cal = WorkingCalendar(working_days=MON_FRI, hours=OFFICE_HOURS, tz=ams)
    friday = datetime(2026, 3, 27, 15, tzinfo=ams)
    assert deadline_after(start=friday, hours=2, calendar=cal) == datetime(
        2026, 3, 30, 9, tzinfo=ams
    )
    monday = datetime(2026, 3, 30, 9, tzinfo=ams)
    assert working_time_between(start=friday, end=monday, calendar=cal) == timedelta(hours=2)


def test_wall_time_runs_through_nights_weekends_and_holidays():
    assert deadline_after(start=wib(2026, 11, 20, 15), hours=4, wall_time=True) == wib(
        2026, 11, 20, 19
    )
    assert deadline_after(start=wib(2026, 3, 20, 22), hours=24, wall_time=True) == wib(
        2026, 3, 21, 22
    )


def test_it_refuses_naive_moments_and_negative_hours():
    with pytest.raises(ValueError, match="aware"):
        after(datetime(2026, 11, 16, 9), 1)
    with pytest.raises(ValueError, match="before its start"):
        after(wib(2026, 11, 16, 9), -1)
    with pytest.raises(ValueError, match="aware"):
        working_time_between(start=wib(2026, 11, 16, 9), end=datetime(2026, 11, 17), calendar=CAL)


def test_a_calendar_must_be_able_to_work():
    with pytest.raises(ValueError, match="working days"):
        WorkingCalendar(working_days=frozenset(), hours=OFFICE_HOURS, tz=WIB)
    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar(
            working_days=MON_FRI, hours=((time(8), time(12)), (time(11), time(16))), tz=WIB
        )
    with pytest.raises(ValueError, match="at least one"):
        WorkingCalendar(working_days=MON_FRI, hours=(), tz=WIB)


def test_working_time_between():
    assert working_time_between(
        start=wib(2026, 11, 20, 15), end=wib(2026, 11, 23, 11), calendar=CAL
    ) == timedelta(hours=4)
    assert working_time_between(
        start=wib(2026, 11, 21, 9), end=wib(2026, 11, 22, 20), calendar=CAL
    ) == timedelta(0)
    # Reversed or empty spans hold no working time: a pause never counts negative.
    assert working_time_between(
        start=wib(2026, 11, 23, 11), end=wib(2026, 11, 20, 15), calendar=CAL
    ) == timedelta(0)


def _moment_inside_hours(rng: random.Random, first: date, days: int) -> datetime:
    while True:
        day = first + timedelta(days=rng.randrange(days))
        if CAL.is_working_date(day):
            # 08:00 exclusive to 16:00 inclusive: an opening moment is the previous close.
            seconds = rng.randrange(1, 8 * 3600 + 1)
            return datetime.combine(day, time(8), WIB) + timedelta(seconds=seconds)


def test_deadline_after_inverts_working_time_between():
    rng = random.Random(20260320)  # noqa: S311 - a fixed seed: the same 300 cases every run
    for _ in range(300):
        start = wib(2026, 3, 1) + timedelta(minutes=rng.randrange(60 * 24 * 60))
        end = _moment_inside_hours(rng, date(2026, 3, 1), 120)
        if end <= start:
            continue
        span = working_time_between(start=start, end=end, calendar=CAL)
        assert after(start, span) == end, (start, end, span)
        assert working_time_between(start=start, end=after(start, span), calendar=CAL) == span


@pytest.mark.django_db
def test_the_deployment_calendar_reads_settings_and_admin_days(settings):
    settings.WORKING_HOURS = ((time(7, 30), time(15, 30)),)
    settings.WORKING_DAYS = (0, 1, 2, 3, 4, 5)  # a kelurahan open on Saturdays
    settings.HOLIDAY_CATEGORIES = ("public",)
    NonWorkingDay.objects.create(
        date=date(2026, 11, 19), name="Hari Jadi Kota", kind=NonWorkingDay.Kind.LOCAL_HOLIDAY
    )
    cal = working_calendar(years=[2026])
    assert cal.tz == WIB
    # Wed 18 Nov 15:00 + 2 h: half an hour Wednesday, Thursday off, then Friday 09:00.
    assert deadline_after(start=wib(2026, 11, 18, 15), hours=2, calendar=cal) == wib(
        2026, 11, 20, 9
    )
    assert deadline_after(start=wib(2026, 11, 21, 7), hours=1, calendar=cal) == wib(
        2026, 11, 21, 8, 30
    )
    # Without a calendar the function loads this one itself.
    assert deadline_after(start=wib(2026, 11, 18, 15), hours=2) == wib(2026, 11, 20, 9)


@pytest.mark.parametrize(
    "raw", ["8-16", "08:00-16:00;", "16:00-08:00", "08:00-12:00,11:00-16:00", "08:00-24:00", ""]
)
def test_a_bad_working_hours_value_fails_loudly(monkeypatch, raw):
    monkeypatch.setenv("WORKING_HOURS", raw)
    with pytest.raises(ImproperlyConfigured, match="WORKING_HOURS"):
        env_time_ranges("WORKING_HOURS", "08:00-16:00")


def test_working_hours_may_be_split_and_days_are_weekday_numbers(monkeypatch):
    monkeypatch.setenv("WORKING_HOURS", "08:00-12:00, 13:00-16:30")
    assert env_time_ranges("WORKING_HOURS", "") == (
        (time(8), time(12)),
        (time(13), time(16, 30)),
    )
    monkeypatch.setenv("WORKING_DAYS", "5,0,1")
    assert env_weekdays("WORKING_DAYS", "") == (0, 1, 5)


@pytest.mark.parametrize("raw", ["Mon-Fri", "0,1,7", "0,0,1", ""])
def test_a_bad_working_days_value_fails_loudly(monkeypatch, raw):
    monkeypatch.setenv("WORKING_DAYS", raw)
    with pytest.raises(ImproperlyConfigured, match="WORKING_DAYS"):
        env_weekdays("WORKING_DAYS", "0,1,2,3,4")
