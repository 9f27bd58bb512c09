"""Working-time arithmetic for a million deadlines: the deployment's calendar, precomputed.

`dispositions.deadlines.deadline_after` walks the calendar day by day, which is right for
one deadline and too slow for millions. `FastCalendar` lays the same calendar's working
intervals out once (epoch seconds, UTC) with the working time accumulated before each,
so a deadline or a span is two binary searches. A test checks it against
`deadline_after` and `working_time_between` on random moments.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta

from dispositions.deadlines import WorkingCalendar


class FastCalendar:
    """Working intervals between two dates as sorted arrays of epoch seconds."""

    def __init__(self, calendar: WorkingCalendar, *, first_day: date, last_day: date) -> None:
        opens: list[float] = []
        closes: list[float] = []
        day = first_day
        while day <= last_day:
            if calendar.is_working_date(day):
                for start, end in calendar.hours:
                    opens.append(datetime.combine(day, start, calendar.tz).timestamp())
                    closes.append(datetime.combine(day, end, calendar.tz).timestamp())
            day += timedelta(days=1)
        if not opens:
            raise ValueError("No working time in the generator's period")
        self.opens = opens
        self.closes = closes
        self.before: list[float] = []  # working seconds before each interval opens
        self.until: list[float] = []  # working seconds when each interval closes
        total = 0.0
        for start, end in zip(opens, closes, strict=True):
            self.before.append(total)
            total += end - start
            self.until.append(total)
        self.first, self.last = opens[0], closes[-1]

    def worked(self, moment: float) -> float:
        """Working seconds from the first interval up to `moment`."""
        i = bisect_right(self.opens, moment) - 1
        if i < 0:
            return 0.0
        return self.before[i] + min(moment, self.closes[i]) - self.opens[i]

    def after(self, start: float, seconds: float) -> float:
        """The moment `seconds` of working time after `start` (deadline_after's rule)."""
        if seconds <= 0:
            return start
        if not self.first <= start <= self.last:
            raise ValueError("A moment outside the generator's calendar")
        target = self.worked(start) + seconds
        j = bisect_left(self.until, target)
        if j >= len(self.until):
            raise ValueError("A deadline beyond the generator's calendar")
        return self.opens[j] + (target - self.before[j])

    def between(self, start: float, end: float) -> float:
        """Working seconds between two moments (0 if `end` is not later)."""
        if end <= start:
            return 0.0
        return self.worked(end) - self.worked(start)


def to_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)
