"""Working time in SQL, for the report facts (docs/reports.md "Working time").

The deadlines' calendar (dispositions/deadlines.py: working days and hours in WIB,
national holidays, cuti bersama and the admin's days off) is laid out once as rows of
dashboard.WorkingInterval: each working span in Unix seconds with the working seconds of
all spans before it. The "working clock" of a moment t is

    worked_before + min(t, closes_at) - opens_at    of the last span opening at or before t

and the working time between two moments is the difference of their clocks. So a fact's
working durations are computed by the database in the same set-based pass that writes
the facts, with one primary-key lookup per moment, never a Python loop over complaints.

`facts_enrich(where, params)` fills the columns the facts' INSERT leaves to their database
defaults (report type, confidentiality, working seconds) for the complaints `where`
selects; `working_intervals_sync()` rebuilds the spans when the calendar changed (its
signature is kept as the ReportMark "workclock").
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from dispositions.deadlines import WorkingCalendar, working_calendar

from ..models import ReportMark, WorkingInterval

MARK = "workclock"
# Spans are laid out from this many years before the oldest complaint to this many after today.
YEARS_BACK = 1
YEARS_AHEAD = 2


def _signature(calendar: WorkingCalendar, first: date, last: date) -> int:
    text = repr(
        (first, last, sorted(calendar.working_days), calendar.hours, str(calendar.tz),
         sorted(d for d in calendar.non_working_dates if first <= d <= last))
    )  # fmt: skip
    return zlib.crc32(text.encode())


def _bounds() -> tuple[date, date]:
    with connection.cursor() as cur:
        cur.execute("SELECT MIN(created_at) FROM complaints_complaint")
        (oldest,) = cur.fetchone()
    today = timezone.localdate()
    if isinstance(oldest, str):  # SQLite without a converter on a bare aggregate
        oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
    start_year = (oldest.year if oldest else today.year) - YEARS_BACK
    return date(start_year, 1, 1), date(today.year + YEARS_AHEAD, 12, 31)


def _spans(calendar: WorkingCalendar, first: date, last: date) -> list[WorkingInterval]:
    rows = []
    worked = 0
    day = first
    while day <= last:
        if calendar.is_working_date(day):
            for opens, closes in calendar.hours:
                start = int(datetime.combine(day, opens, calendar.tz).timestamp())
                end = int(datetime.combine(day, closes, calendar.tz).timestamp())
                rows.append(WorkingInterval(opens_at=start, closes_at=end, worked_before=worked))
                worked += end - start
        day += timedelta(days=1)
    return rows


def working_intervals_sync() -> bool:
    """Lay out the calendar's spans if they are missing or stale; True when rebuilt."""
    first, last = _bounds()
    calendar = working_calendar(years=range(first.year, last.year + 1))
    signature = _signature(calendar, first, last)
    with transaction.atomic():
        mark, _created = ReportMark.objects.select_for_update().get_or_create(name=MARK)
        if mark.value == signature and WorkingInterval.objects.exists():
            return False
        WorkingInterval.objects.all().delete()
        WorkingInterval.objects.bulk_create(_spans(calendar, first, last), batch_size=2000)
        mark.value = signature
        mark.save(update_fields=["value"])
    return True


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        # BIGINT, like opens_at: a numeric comparison would not use the primary key.
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    # '%%s': the SQLite backend turns %s into a placeholder and %% into %.
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _clock(column: str) -> str:
    """The working clock of `column` (NULL before the first span)."""
    e = _epoch(column)
    # Module constants and column names only; values go as parameters.
    return (
        f"(SELECT w.worked_before + CASE WHEN {e} < w.closes_at THEN {e} - w.opens_at "  # noqa: S608
        f"ELSE w.closes_at - w.opens_at END FROM dashboard_workinginterval w "
        f"WHERE w.opens_at <= {e} ORDER BY w.opens_at DESC LIMIT 1)"
    )


def _between(start: str, end: str) -> str:
    return f"CASE WHEN {end} IS NULL THEN NULL ELSE {_clock(end)} - {_clock(start)} END"


def facts_enrich(where: str, params: list[object]) -> int:
    """Fill report type, confidentiality and working durations of the facts of the
    complaints `where` (a condition on complaints_complaint c) selects."""
    fact = "dashboard_complaintfact"
    own = f"(SELECT c.{{}} FROM complaints_complaint c WHERE c.id = {fact}.complaint_id)"  # noqa: S608
    sql = (
        f"UPDATE {fact} SET report_type = {own.format('report_type')}, "  # noqa: S608 (constants)
        f"is_confidential = {own.format('is_confidential')}, "
        f"response_work_seconds = {_between(f'{fact}.created_at', f'{fact}.responded_at')}, "
        f"resolution_work_seconds = {_between(f'{fact}.created_at', f'{fact}.resolved_at')} "
        f"WHERE complaint_id IN (SELECT c.id FROM complaints_complaint c WHERE {where})"
    )
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        return cur.rowcount
