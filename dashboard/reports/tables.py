"""The shape every section returns: titled tables that pages, charts and exports read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise

# Edges (hours) of the duration histogram: percentiles come from these buckets, counted
# in the database, never from the rows themselves.
EDGES_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1440)


@dataclass
class Table:
    key: str
    title: str | Promise
    columns: list[str | Promise]
    rows: list[list[object]] = field(default_factory=list)
    chart: str = ""  # "bar", "hbar", "line" or "" (no chart)
    note: str | Promise = ""

    @property
    def cells(self) -> list[list[tuple[object, bool]]]:
        """Each value with whether it is a number (right-aligned on the page)."""
        return [
            [(v, isinstance(v, int | float) and not isinstance(v, bool)) for v in row]
            for row in self.rows
        ]


def duration_buckets(qs: QuerySet, *, end: str, start: str, prefix: str = "d") -> dict[str, object]:
    """Aggregations counting rows whose `end - start` is below each edge (cumulative)."""
    from django.db.models import F

    aggs: dict[str, object] = {f"{prefix}_n": Count("pk", filter=Q(**{f"{end}__isnull": False}))}
    for hours in EDGES_HOURS:
        aggs[f"{prefix}_{hours}"] = Count(
            "pk", filter=Q(**{f"{end}__lt": F(start) + timedelta(hours=hours)})
        )
    return aggs


def seconds_buckets(field: str, prefix: str) -> dict[str, object]:
    """The same cumulative buckets over a column of seconds (the working durations)."""
    aggs: dict[str, object] = {f"{prefix}_n": Count("pk", filter=Q(**{f"{field}__isnull": False}))}
    for hours in EDGES_HOURS:
        aggs[f"{prefix}_{hours}"] = Count("pk", filter=Q(**{f"{field}__lt": hours * 3600}))
    return aggs


def percentile(values: dict[str, int], p: float, prefix: str = "d") -> float | None:
    """The p-th percentile (hours) by linear interpolation inside the bucket; None if empty."""
    n = values.get(f"{prefix}_n") or 0
    if not n:
        return None
    target = p * n
    lower_edge, lower_count = 0.0, 0
    for hours in EDGES_HOURS:
        count = values[f"{prefix}_{hours}"] or 0
        if count >= target:
            inside = count - lower_count
            share = (target - lower_count) / inside if inside else 1.0
            return round(lower_edge + share * (hours - lower_edge), 1)
        lower_edge, lower_count = float(hours), count
    return float(EDGES_HOURS[-1])  # beyond the last edge: "more than 60 days"


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
