"""Map cluster endpoint at scale: p50/p95 of complaints.geo.map_clusters on a big table.

Run against a database filled by `manage.py generate_complaints --count 1000000`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sigap_public_bench \\
        .venv/bin/python benchmarks/map_clusters.py [--calls 200]

Each call is a different box (random centre in Kota Bandung or Jakarta, a screen of
390x700 or 1280x800 pixels at the zoom) so no database cache of one query helps; the
public endpoint's own 60 s response cache is bypassed (the figures are cold). Prints a
Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from complaints.geo import BBox, map_cells_rebuild, map_clusters, public_map_clusters  # noqa: E402
from complaints.models import Complaint, User  # noqa: E402
from complaints.public import PublicFilters, public_complaints  # noqa: E402
from dashboard.filters import complaint_filters_parse, complaints_matching  # noqa: E402

CENTRES = [(-6.914, 107.609), (-6.175, 106.827)]  # Kota Bandung, Jakarta Pusat


def box_at(rng: random.Random, zoom: int, width: int, height: int) -> BBox:
    lat, lon = rng.choice(CENTRES)
    lat += rng.uniform(-0.05, 0.05)
    lon += rng.uniform(-0.05, 0.05)
    deg_per_px = 360.0 / (256 * 2**zoom)
    half_w = width / 2 * deg_per_px
    half_h = height / 2 * deg_per_px * math.cos(math.radians(lat))
    return BBox(
        max(lon - half_w, -180),
        max(lat - half_h, -90),
        min(lon + half_w, 180),
        min(lat + half_h, 90),
        zoom,
    )


ZOOMS = {"street (zoom 14-17)": [14, 15, 16, 17], "city (zoom 10-13)": [10, 11, 12, 13]}


def measure(label: str, run, calls: int, rng: random.Random, zooms: list[int]) -> str:
    timings, features = [], []
    for i in range(calls + 5):
        zoom = rng.choice(zooms)
        width, height = rng.choice([(390, 700), (1280, 800)])
        box = box_at(rng, zoom, width, height)
        start = time.perf_counter()
        n = run(box)
        elapsed = (time.perf_counter() - start) * 1000
        if i >= 5:  # warm-up calls are not counted
            timings.append(elapsed)
            features.append(n)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return (
        f"| {label} | {calls} | {statistics.median(timings):.1f} | {p95:.1f} | "
        f"{max(timings):.1f} | {statistics.median(features):.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    total = Complaint.objects.count()
    located = Complaint.objects.filter(latitude__isnull=False).count()
    print(f"{total:,} complaints, {located:,} located\n")
    print("| case | calls | p50 ms | p95 ms | max ms | cells (median) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    public = public_complaints()
    for band, zooms in ZOOMS.items():
        run = lambda b: len(map_clusters(public, b, public=True)["features"])  # noqa: E731
        print(measure(f"public, map_clusters, {band}", run, args.calls, rng, zooms))
    started = time.perf_counter()
    cells = map_cells_rebuild()
    print(f"<!-- map_cells_rebuild: {cells:,} cells in {time.perf_counter() - started:.1f} s -->")
    for band, zooms in ZOOMS.items():
        run = lambda b: len(public_map_clusters(PublicFilters(), b)["features"])  # noqa: E731
        print(measure(f"public, public_map_clusters, {band}", run, args.calls, rng, zooms))
    operator = User.objects.filter(role=User.Role.OPERATOR).first()
    staff = User.objects.filter(agency__isnull=False).order_by("pk").first()
    for user in (operator, staff):
        if user is None:
            continue
        qs = complaints_matching(user, complaint_filters_parse(user, {"status": "all"}))
        for band, zooms in ZOOMS.items():
            run = lambda b, qs=qs: len(map_clusters(qs, b, public=False)["features"])  # noqa: E731
            print(measure(f"staff ({user.username}), {band}", run, args.calls, rng, zooms))
    settings.ALLOWED_HOSTS.append("testserver")
    client = Client()

    def via_http(box: BBox) -> int:
        query = {"bbox": f"{box.west},{box.south},{box.east},{box.north}", "zoom": box.zoom}
        return len(client.get("/aduan/peta/data/", query).json()["features"])

    label = "public, GET /aduan/peta/data/ (in-process), street"
    print(measure(label, via_http, args.calls, rng, ZOOMS["street (zoom 14-17)"]))


if __name__ == "__main__":
    main()
