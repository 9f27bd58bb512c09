"""Reads about dispositions: the agencies' performance figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q

from complaints.models import Agency

from .models import Disposition


@dataclass(frozen=True)
class FirstTimeFix:
    resolved: int  # first attempts this agency resolved
    reopened: int  # of those, how many the reporter reopened
    rate: float | None  # share never reopened; None when nothing was resolved

    @property
    def fixed(self) -> int:
        return self.resolved - self.reopened


def agency_first_time_fix_rate(
    *, agency: Agency, since: datetime | None = None, until: datetime | None = None
) -> FirstTimeFix:
    """Of the dispositions `agency` resolved in [since, until), the share never reopened.

    Only first attempts count: a disposition opened by a reopen is a second try, so it is
    left out of the denominator (resolving it well does not make the first fix count).
    The period is the resolution time (`closed_at`). One query.
    """
    qs = Disposition.objects.filter(
        agency=agency, state=Disposition.State.RESOLVED, reopen_of__isnull=True
    )
    if since is not None:
        qs = qs.filter(closed_at__gte=since)
    if until is not None:
        qs = qs.filter(closed_at__lt=until)
    totals = qs.annotate(
        was_reopened=Exists(Disposition.objects.filter(reopen_of=OuterRef("pk")))
    ).aggregate(resolved=Count("id"), reopened=Count("id", filter=Q(was_reopened=True)))
    resolved, reopened = totals["resolved"], totals["reopened"]
    rate = (resolved - reopened) / resolved if resolved else None
    return FirstTimeFix(resolved=resolved, reopened=reopened, rate=rate)
