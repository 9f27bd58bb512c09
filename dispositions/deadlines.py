"""Deadline arithmetic: working hours in the deployment's time zone, or wall time for emergencies.

Every deadline Sigap computes is computed here: `deadlines_for` gives a new disposition
its response and resolution deadlines (policy, category, report type, emergency);
`pause_span` and `deadline_moved_by_pause` say what a paused clock does to them.
`deadline_after` is the one function that turns "N hours from now" into a moment;
`working_time_between` measures how much working time a span holds (a pause, a KPI).
Both take a `WorkingCalendar`; without one they load the deployment's calendar, which
costs one small query, so a caller computing many deadlines loads it once with
`working_calendar()` and passes it. The rules are in docs/deadlines.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

from complaints import report_types
from complaints.models import Category, Priority

from .models import DeadlinePolicy, NonWorkingDay

# A calendar with no working day inside ten years is a configuration error, not a loop.
MAX_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class WorkingCalendar:
    """When the clock runs: working weekdays, daily hours, a time zone, and days off."""

    working_days: frozenset[int]  # Monday = 0 ... Sunday = 6
    hours: tuple[tuple[time, time], ...]  # ascending, non-overlapping, within one day
    tz: tzinfo
    non_working_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.working_days or not self.working_days <= set(range(7)):
            raise ValueError("A working calendar needs working days between 0 and 6")
        if not self.hours:
            raise ValueError("A working calendar needs at least one daily range of hours")
        for (opens, closes), following in zip(self.hours, (*self.hours[1:], None), strict=True):
            if closes <= opens or (following is not None and following[0] < closes):
                raise ValueError("Daily hours must ascend, end after they start and not overlap")

    def is_working_date(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.non_working_dates

    def intervals_from(self, first_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Every working interval from `first_day` on, in order, as UTC (opens, closes)."""
        for offset in range(MAX_SEARCH_DAYS):
            day = first_day + timedelta(days=offset)
            if not self.is_working_date(day):
                continue
            for opens, closes in self.hours:
                yield (
                    datetime.combine(day, opens, self.tz).astimezone(UTC),
                    datetime.combine(day, closes, self.tz).astimezone(UTC),
                )
        raise ValueError(f"No working time within {MAX_SEARCH_DAYS} days of {first_day}")


def _require_aware(*moments: datetime) -> None:
    if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
        raise ValueError("Deadlines are computed from aware datetimes only")


def deadline_after(
    *,
    start: datetime,
    hours: float | timedelta,
    wall_time: bool = False,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The earliest moment by which `hours` of working time (or wall time) have passed.

    Working time only runs inside the calendar's hours on its working dates, so a start
    outside them waits for the next opening, and a deadline that falls exactly at closing
    stays at closing (Monday 08:00 + 8 h is Monday 16:00, not Tuesday 08:00). Zero hours
    is `start` itself. `hours` may be a timedelta, e.g. a pause measured by
    `working_time_between`. The answer is in the calendar's time zone.
    """
    _require_aware(start)
    duration = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
    if duration < timedelta(0):
        raise ValueError("A deadline cannot lie before its start")
    if wall_time:
        return start + duration
    calendar = calendar or working_calendar()
    if not duration:
        return start
    # Arithmetic in UTC: same-zone subtraction in Python ignores offset changes (DST).
    moment = start.astimezone(UTC)
    remaining = duration
    # intervals_from raises rather than end, so this loop always returns.
    intervals = calendar.intervals_from(start.astimezone(calendar.tz).date())
    while True:
        opens, closes = next(intervals)
        begin = max(opens, moment)
        if closes <= begin:
            continue
        if remaining <= closes - begin:
            return (begin + remaining).astimezone(calendar.tz)
        remaining -= closes - begin


def working_time_between(
    *, start: datetime, end: datetime, calendar: WorkingCalendar | None = None
) -> timedelta:
    """How much working time lies between `start` and `end` (zero if `end` is not later)."""
    _require_aware(start, end)
    if end <= start:
        return timedelta(0)
    calendar = calendar or working_calendar()
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta(0)
    for opens, closes in calendar.intervals_from(start.astimezone(calendar.tz).date()):
        if opens >= end_utc:
            break
        overlap = min(closes, end_utc) - max(opens, start_utc)
        if overlap > timedelta(0):
            total += overlap
    return total


@functools.lru_cache(maxsize=16)
def public_holidays(years: tuple[int, ...], categories: tuple[str, ...]) -> frozenset[date]:
    """Indonesia's days off in `years` from the `holidays` package (cached: it never changes)."""
    found = holidays.country_holidays("ID", years=years, categories=categories)
    return frozenset(found.keys())


def working_calendar(*, years: Iterable[int] | None = None) -> WorkingCalendar:
    """The deployment's calendar: WORKING_DAYS, WORKING_HOURS, TIME_ZONE, holidays, admin days.

    Public holidays cover `years` (default: last year to two years ahead, which holds any
    open deadline and any pause still running). Admin-entered days are read fresh, one
    query, so an edit in the admin counts from the next computation on.
    """
    if years is None:
        this_year = timezone.localdate().year
        years = range(this_year - 1, this_year + 3)
    package_days = public_holidays(tuple(sorted(years)), tuple(settings.HOLIDAY_CATEGORIES))
    entered = frozenset(NonWorkingDay.objects.values_list("date", flat=True))
    return WorkingCalendar(
        working_days=frozenset(settings.WORKING_DAYS),
        hours=tuple(settings.WORKING_HOURS),
        tz=ZoneInfo(settings.TIME_ZONE),
        non_working_dates=package_days | entered,
    )


def deadline_hours(category: Category | None, priority: str) -> tuple[int, int]:
    """Response and resolution hours: the most specific DeadlinePolicy, else the category's."""
    if category is None:
        return settings.DEFAULT_RESPONSE_HOURS, settings.DEFAULT_RESOLUTION_HOURS
    lineage = category.lineage_ids
    policies = {
        p.category_id: p
        for p in DeadlinePolicy.objects.filter(category_id__in=lineage, priority=priority)
    }
    for category_id in lineage:
        policy = policies.get(category_id)
        if policy is not None:
            return policy.response_hours, policy.resolution_hours
    return category.response_hours, category.resolution_hours


def runs_on_wall_time(*, category: Category | None, priority: str) -> bool:
    """Emergencies (a flagged category or topic) and urgent complaints never wait for Monday."""
    if priority == Priority.URGENT:
        return True
    if category is None:
        return False
    return category.is_emergency or bool(category.parent_id and category.parent.is_emergency)


@dataclass(frozen=True)
class Deadlines:
    response_hours: int
    resolution_hours: int
    wall_time: bool
    response_due_at: datetime
    resolution_due_at: datetime


def deadlines_for(
    *, category: Category | None, priority: str, now: datetime, report_type: str = ""
) -> Deadlines:
    """The deadlines a disposition opened at `now` gets: working time unless an emergency.

    An information request has its legal deadline (complaints.report_types)."""
    response_hours, resolution_hours = deadline_hours(category, priority)
    resolution_hours = report_types.resolution_hours(report_type, resolution_hours)
    wall_time = runs_on_wall_time(category=category, priority=priority)
    calendar = None if wall_time else working_calendar()

    def due(hours: int) -> datetime:
        return deadline_after(start=now, hours=hours, wall_time=wall_time, calendar=calendar)

    return Deadlines(
        response_hours=response_hours,
        resolution_hours=resolution_hours,
        wall_time=wall_time,
        response_due_at=due(response_hours),
        resolution_due_at=due(resolution_hours),
    )


# The clock pauses while the agency waits for the reporter -----------------------------


def pause_span(
    *, paused_at: datetime, now: datetime, wall_time: bool, calendar: WorkingCalendar | None
) -> timedelta:
    """How long a pause from `paused_at` to `now` lasted on the disposition's clock."""
    if wall_time:
        return max(now - paused_at, timedelta(0))
    return working_time_between(start=paused_at, end=now, calendar=calendar)


def deadline_moved_by_pause(
    due: datetime,
    *,
    paused_at: datetime,
    span: timedelta,
    wall_time: bool,
    calendar: WorkingCalendar | None,
) -> datetime:
    """Where a deadline lands once a pause of `span` that began at `paused_at` has ended."""
    # A deadline already missed when the clock stopped stays missed: asking a question
    # late does not rescue it. Otherwise it moves later by the paused span, never earlier.
    if paused_at >= due or not span:
        return due
    return deadline_after(start=due, hours=span, wall_time=wall_time, calendar=calendar)
