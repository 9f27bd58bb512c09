"""Map clusters: a bounding box and a zoom answered with grid cells counted in the database.

Never all points at once: the database groups the located complaints of the box into a
grid whose cells are about 64 screen pixels wide at the asked zoom (a zoom 0 world is
256 px), and returns one row per non-empty cell with its count by status colour and
mean position. Public clusters never get finer than ~220 m, and every coordinate sent to
the public is rounded to ~110 m (docs/public-pages.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, Max, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, Floor

from .lifecycle import STATUS_COLOURS
from .models import Category, Complaint, MapCell
from .public import PublicFilters, public_complaints

MAX_ZOOM = 19
CELLS_PER_TILE = 4
# A public cell is never smaller than this (degrees, ~220 m): no cluster narrows to a house.
PUBLIC_MIN_CELL = 0.002
MAX_CELLS = 2000
# The summary table's cell (degrees, ~1.1 km); read when a cluster is at least that wide.
SUMMARY_CELL = 0.01


class BBoxError(ValueError):
    """A bounding box or zoom that cannot be read; the view answers 400 with this text."""


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float
    zoom: int

    @classmethod
    def parse(cls, bbox: str, zoom: str) -> BBox:
        try:
            west, south, east, north = (float(v) for v in bbox.split(","))
            z = int(zoom)
        except (TypeError, ValueError) as exc:
            raise BBoxError(
                "bbox must be west,south,east,north in degrees; zoom an integer"
            ) from exc
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise BBoxError("bbox is out of range or inverted (west,south,east,north)")
        if not 0 <= z <= MAX_ZOOM:
            raise BBoxError(f"zoom must be between 0 and {MAX_ZOOM}")
        return cls(west, south, east, north, z)

    def snapped(self, *, public: bool, cells: int = 8) -> BBox:
        """The box grown outward to a multiple of `cells` grid cells.

        Visitors whose screens differ by a few pixels then ask for the same box, so one
        cached answer serves them all (the public endpoint's cache).
        """
        step = self.cell_size(public=public) * cells
        return BBox(
            max(math.floor(self.west / step) * step, -180.0),
            max(math.floor(self.south / step) * step, -90.0),
            min(math.ceil(self.east / step) * step, 180.0),
            min(math.ceil(self.north / step) * step, 90.0),
            self.zoom,
        )

    def cell_size(self, *, public: bool) -> float:
        size = 360.0 / (2**self.zoom) / CELLS_PER_TILE
        return max(size, PUBLIC_MIN_CELL) if public else size


def _colour_counts() -> dict[str, Count]:
    groups: dict[str, list[str]] = {}
    for status, colour in STATUS_COLOURS.items():
        groups.setdefault(colour, []).append(status)
    return {colour: Count("id", filter=Q(status__in=s)) for colour, s in groups.items()}


def _round(value: float, public: bool) -> float:
    return round(value, 3) if public else round(value, 6)


def map_clusters(qs: QuerySet[Complaint], box: BBox, *, public: bool) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the grid cells of `qs` inside `box`.

    A cell holding one complaint carries its tracking code (so a click opens it); a
    bigger one its count by colour. One query, whatever the number of complaints.
    """
    cell = box.cell_size(public=public)
    lat = Cast("latitude", FloatField())
    lon = Cast("longitude", FloatField())
    rows = (
        qs.filter(
            latitude__isnull=False,
            latitude__gte=box.south,
            latitude__lte=box.north,
            longitude__gte=box.west,
            longitude__lte=box.east,
        )
        .annotate(cy=Floor(lat / cell), cx=Floor(lon / cell))
        .values("cy", "cx")
        .annotate(
            n=Count("id"),
            lat=Avg(lat),
            lon=Avg(lon),
            code=Max(F("tracking_code")),
            **_colour_counts(),
        )
        .order_by()[:MAX_CELLS]
    )
    return _collection(rows, cell, public=public)


def _collection(rows: Any, cell: float, *, public: bool) -> dict[str, Any]:
    features = []
    for row in rows:
        colours = {c: row[c] for c in ("red", "yellow", "green", "grey") if row.get(c)}
        props: dict[str, Any] = {"count": row["n"], "colours": colours}
        props["colour"] = max(colours, key=colours.__getitem__) if colours else "grey"
        if row["n"] == 1:
            props["code"] = row["code"]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [_round(row["lon"], public), _round(row["lat"], public)],
                },
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features, "cell": cell}


def map_cells_rebuild() -> int:
    """Refill MapCell from the public complaints; returns the number of cells written.

    Idempotent: one transaction wipes and refills the table, readers see the old or the
    new summary, never half of one.
    """
    lat = Cast("latitude", FloatField())
    lon = Cast("longitude", FloatField())
    rows = (
        public_complaints()
        .filter(latitude__isnull=False)
        .annotate(
            cy=Floor(lat / SUMMARY_CELL),
            cx=Floor(lon / SUMMARY_CELL),
            topic=Coalesce("category__parent_id", "category_id"),
        )
        .values("cy", "cx", "status", "topic")
        .annotate(n=Count("id"), lat_sum=Sum(lat), lon_sum=Sum(lon))
        .order_by()
    )
    merged: dict[tuple[int, int, str, int | None], list[float]] = {}
    for r in rows.iterator(chunk_size=5000):
        key = (int(r["cy"]), int(r["cx"]), STATUS_COLOURS[r["status"]], r["topic"])
        acc = merged.setdefault(key, [0, 0.0, 0.0])
        acc[0] += r["n"]
        acc[1] += r["lat_sum"]
        acc[2] += r["lon_sum"]
    cells = [
        MapCell(cy=cy, cx=cx, colour=colour, topic_id=topic, n=n, lat_sum=la, lon_sum=lo)
        for (cy, cx, colour, topic), (n, la, lo) in merged.items()
    ]
    with transaction.atomic():
        MapCell.objects.all().delete()
        MapCell.objects.bulk_create(cells, batch_size=5000)
    return len(cells)


def _summary_clusters(filters: PublicFilters, box: BBox, cell: float) -> dict[str, Any]:
    qs = MapCell.objects.filter(
        cy__gte=math.floor(box.south / SUMMARY_CELL),
        cy__lte=math.floor(box.north / SUMMARY_CELL),
        cx__gte=math.floor(box.west / SUMMARY_CELL),
        cx__lte=math.floor(box.east / SUMMARY_CELL),
    )
    if filters.category:
        qs = qs.filter(topic_id__in=Category.objects.filter(slug=filters.category).values("id"))
    if filters.colour:
        qs = qs.filter(colour=filters.colour)
    ratio = SUMMARY_CELL / cell
    colours = {
        colour: Sum("n", filter=Q(colour=colour)) for colour in ("red", "yellow", "green", "grey")
    }
    rows = (
        qs.annotate(
            gy=Floor((F("cy") + 0.5) * ratio),
            gx=Floor((F("cx") + 0.5) * ratio),
        )
        .values("gy", "gx")
        .annotate(total=Sum("n"), lat_total=Sum("lat_sum"), lon_total=Sum("lon_sum"), **colours)
        .order_by()[:MAX_CELLS]
    )
    # A summary cluster of one complaint has no code: a click zooms in instead.
    shaped = [
        {
            **r,
            "n": r["total"],
            "lat": r["lat_total"] / r["total"],
            "lon": r["lon_total"] / r["total"],
            "code": None,
        }
        for r in rows
        if r["total"]
    ]
    return _collection(shaped, cell, public=True)


def public_map_clusters(filters: PublicFilters, box: BBox) -> dict[str, Any]:
    """The public map's clusters: from the summary at city zoom, live when zoomed in.

    The summary cannot filter by area or by a subcategory (it keeps the topic only) and
    is empty before its first rebuild; then, and at street zoom, complaints are counted
    live.
    """
    cell = box.cell_size(public=True)
    topic_only = not filters.category or topic_slug(filters.category)
    if cell >= SUMMARY_CELL and not filters.area and topic_only and MapCell.objects.exists():
        return _summary_clusters(filters, box, cell)
    return map_clusters(filters.apply(public_complaints()), box, public=True)


def topic_slug(slug: str) -> bool:
    """Whether `slug` names a topic (a top-level category), which the summary can filter."""
    return Category.objects.filter(slug=slug, parent__isnull=True).exists()
