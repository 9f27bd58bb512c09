"""Deadline arithmetic. Wall time for now; working hours and holidays come with issue #4.

Kept in one function so the later working-time calendar replaces only this body.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def add_hours(start: datetime, hours: int) -> datetime:
    """The moment `hours` after `start` (aware datetimes in, aware out)."""
    if start.tzinfo is None:
        raise ValueError("Deadlines are computed from aware datetimes only")
    return start + timedelta(hours=hours)
