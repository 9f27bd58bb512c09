"""Reads about dispositions that reports and pages make: escalations and sanction counts."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from .models import Escalation


def agency_sanction_counts(*, since: datetime, until: datetime) -> dict[int, int]:
    """Sanctions recorded against each agency whose step was reached in [since, until).

    Counted by when the sanction was reached, not when a worker recorded it, so an
    outage at the end of a month does not move sanctions into the next month's KPI.
    """
    rows = (
        Escalation.objects.filter(
            step=Escalation.Step.SANCTION, reached_at__gte=since, reached_at__lt=until
        )
        .values("disposition__agency_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["disposition__agency_id"]: row["count"] for row in rows}
