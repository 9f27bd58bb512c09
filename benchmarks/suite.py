"""The measurements for one database, run in a child process that run.py starts.

Django settings are process-wide, so each database gets its own process: run.py sets
DATABASE_URL, SIGAP_VAR_DIR and the other variables, this module migrates, loads the demo
reference data, measures, and writes its results as JSON for run.py to tabulate.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from images import bomb_png, photo_jpeg  # noqa: E402
from intake import bench_intake  # noqa: E402
from PIL import Image  # noqa: E402
from timing import Result, measure  # noqa: E402

from complaints.images import ImageRejected, process_image  # noqa: E402
from complaints.models import Area, Category, Channel, Complaint, User  # noqa: E402
from complaints.services import complaint_create  # noqa: E402
from dispositions.demo import demo_load  # noqa: E402
from dispositions.services import disposition_route  # noqa: E402

OPERATOR, AGENCY_STAFF = "operator", "dinas.binamarga"  # demo users (dispositions.demo)
TEXTS = (
    "Jalan berlubang di depan sekolah, sudah dua minggu, berbahaya untuk pengendara motor.",
    "Sampah menumpuk di TPS sejak empat hari, belum diangkut dan baunya menyengat.",
    "Lampu jalan mati lima tiang berturut-turut, jalan gelap dan rawan kejahatan.",
    "Saluran air tersumbat, tiap hujan air meluap ke jalan dan masuk ke rumah warga.",
    "PKL berjualan di trotoar sehingga pejalan kaki terpaksa turun ke badan jalan.",
)


@dataclass(frozen=True)
class Sizes:
    """Loop counts; --quick keeps the whole run (both databases) near a minute."""

    create_ops: int
    photo_ops: int
    api_ops: int
    list_ops: int
    repetitions: int
    warmup: int
    database_complaints: int
    image_repetitions: int

    @classmethod
    def for_mode(cls, *, quick: bool) -> Sizes:
        if quick:
            return cls(
                create_ops=40,
                photo_ops=5,
                api_ops=40,
                list_ops=20,
                repetitions=3,
                warmup=5,
                database_complaints=1_000,
                image_repetitions=3,
            )
        return cls(
            create_ops=300,
            photo_ops=20,
            api_ops=200,
            list_ops=100,
            repetitions=5,
            warmup=10,
            database_complaints=5_000,
            image_repetitions=5,
        )


class Inputs:
    """Plausible complaints: demo villages in Bandung and Jakarta, every leaf category."""

    def __init__(self) -> None:
        self.areas = list(
            Area.objects.filter(level=Area.Level.VILLAGE).filter(code__regex=r"^(32\.73|31\.71)\.")
        )
        self.categories = list(Category.objects.filter(parent__isnull=False, is_active=True))
        self.random = random.Random(2026)  # the same mix on every database and run

    def pick(self, i: int) -> dict[str, Any]:
        # One in ten has no category: it goes to the operators' triage queue, as in life.
        category = None if i % 10 == 9 else self.random.choice(self.categories)
        return {
            "text": f"{TEXTS[i % len(TEXTS)]} (#{i})",
            "category": category,
            "area": self.random.choice(self.areas),
            "reporter_name": f"Warga {i % 2000}",
            "reporter_phone": f"0812{20_000_000 + i % 2000:08d}",
        }


def database_facts() -> dict[str, str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return {
            "vendor": "PostgreSQL",
            "version": version,
            "name": connection.settings_dict["NAME"],
        }
    return {"vendor": "SQLite", "version": sqlite3.sqlite_version, "name": "temp file"}


def guard_database() -> None:
    """Refuse to run against anything but a throwaway database (see run.py)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        if not name.startswith(str(settings.VAR_DIR)) or "sigap-bench-" not in name:
            raise SystemExit(f"Refusing SQLite database {name}: not in a benchmark temp dir")
    elif "bench" not in name:
        raise SystemExit(f"Refusing PostgreSQL database {name!r}: its name must contain 'bench'")


def bench_create(sizes: Sizes, inputs: Inputs) -> tuple[list[Result], list[int]]:
    created: list[int] = []

    def plain(i: int) -> None:
        created.append(complaint_create(channel=Channel.WEB, **inputs.pick(i)).pk)

    photo = photo_jpeg(1600, 1200)

    def with_photos(i: int) -> None:
        photos = [
            process_image(io.BytesIO(photo), name=f"foto-{n}.jpg", size=len(photo))
            for n in range(2)
        ]
        created.append(
            complaint_create(channel=Channel.WEB, photos=photos, **inputs.pick(10_000 + i)).pk
        )

    plain_result = measure(
        "create",
        "complaint_create, no photo",
        plain,
        ops=sizes.create_ops,
        repetitions=sizes.repetitions,
        warmup=sizes.warmup,
    )
    photo_result = measure(
        "create",
        "complaint_create + 2 photos (1600×1200 JPEG, process_image included)",
        with_photos,
        ops=sizes.photo_ops,
        repetitions=sizes.repetitions,
        warmup=1,
    )
    photo_result.extra["photo_kb"] = round(len(photo) / 1024)
    return [plain_result, photo_result], created


def bench_route(sizes: Sizes, new_ids: list[int]) -> Result:
    outcomes: dict[str, int] = {}
    warmup = sizes.warmup
    ops = (len(new_ids) - warmup) // sizes.repetitions

    def route(i: int) -> None:
        outcome = disposition_route(complaint_id=new_ids[i]).value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    result = measure(
        "route",
        "disposition_route on a new complaint (demo rules)",
        route,
        ops=ops,
        repetitions=sizes.repetitions,
        warmup=warmup,
    )
    result.extra["outcomes"] = outcomes
    return result


def seed(target: int, inputs: Inputs) -> dict[str, Any]:
    """Fill the database to `target` complaints through the real services, routed."""
    start = time.perf_counter()
    have = Complaint.objects.count()
    batch = 100
    for first in range(have, target, batch):
        # One transaction per batch: seeding is not measured, only made bearable.
        with transaction.atomic():
            for i in range(first, min(first + batch, target)):
                complaint = complaint_create(channel=Channel.WEB, **inputs.pick(100_000 + i))
                disposition_route(complaint_id=complaint.pk)
    return {"complaints": Complaint.objects.count(), "seconds": time.perf_counter() - start}


def _check(response: Any, status: int) -> Any:
    if response.status_code != status:
        path = response.request["PATH_INFO"]
        raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]!r}")
    return response


def api_post_body(i: int, inputs: Inputs) -> dict[str, Any]:
    pick = inputs.pick(i)
    return {
        "text": pick["text"],
        "category": pick["category"].slug if pick["category"] else None,
        "area_code": pick["area"].code,
        "reporter": {"name": pick["reporter_name"], "phone": pick["reporter_phone"]},
    }


def bench_api(sizes: Sizes, inputs: Inputs) -> list[Result]:
    results: list[Result] = []
    public = Client()

    def post(i: int) -> None:
        body = api_post_body(200_000 + i, inputs)
        _check(public.post("/api/v1/complaints/", body, content_type="application/json"), 201)

    results.append(
        measure(
            "api",
            "POST /api/v1/complaints/ (anonymous, JSON)",
            post,
            ops=sizes.api_ops,
            repetitions=sizes.repetitions,
            warmup=sizes.warmup,
        )
    )

    tokens = list(Complaint.objects.order_by("?").values_list("public_token", flat=True)[:500])

    def track(i: int) -> None:
        _check(public.get(f"/api/v1/track/{tokens[i % len(tokens)]}/"), 200)

    results.append(
        measure(
            "api",
            "GET /api/v1/track/<token>/ (anonymous)",
            track,
            ops=sizes.api_ops,
            repetitions=sizes.repetitions,
            warmup=sizes.warmup,
        )
    )
    results += [bench_staff_list(sizes, username) for username in (OPERATOR, AGENCY_STAFF)]
    return results


def bench_staff_list(sizes: Sizes, username: str) -> Result:
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    pages = max(1, min(10, _visible(client) // 25))

    def listing(i: int) -> None:
        _check(client.get(f"/api/v1/complaints/?page_size=25&page={i % pages + 1}"), 200)

    result = measure(
        "api",
        f"GET /api/v1/complaints/?page_size=25 as {user.role} ({username})",
        listing,
        ops=sizes.list_ops,
        repetitions=sizes.repetitions,
        warmup=sizes.warmup,
    )
    result.extra["visible_complaints"] = _visible(client)
    result.extra["queries"] = {
        label: _queries(client, query)
        for label, query in (
            ("page 1, 25 rows", "page_size=25"),
            (f"page {pages}, 25 rows", f"page_size=25&page={pages}"),
            ("page 1, 100 rows", "page_size=100"),
        )
    }
    return result


def _visible(client: Client) -> int:
    return _check(client.get("/api/v1/complaints/?page_size=1"), 200).json()["count"]


def _queries(client: Client, query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        _check(client.get(f"/api/v1/complaints/?{query}"), 200)
    return len(captured.captured_queries)


def http_fixtures() -> dict[str, Any]:
    """What an optional HTTP run (wrk_run.py) needs: a tracking token and staff sessions.

    Sessions, not basic auth: basic auth would hash the password on every request and
    measure PBKDF2 instead of the list.
    """
    sessions = {}
    for username in (OPERATOR, AGENCY_STAFF):
        client = Client()
        client.force_login(User.objects.get(username=username))
        sessions[username] = client.session.session_key
    token = Complaint.objects.filter(is_confidential=False).values_list("public_token", flat=True)
    return {"token": token.first(), "sessions": sessions, "post_body": api_post_body(0, Inputs())}


def bench_images(sizes: Sizes) -> list[Result]:
    photo = photo_jpeg(4000, 3000)

    def process(_i: int) -> None:
        process_image(io.BytesIO(photo), name="12mp.jpg", size=len(photo))

    twelve = measure(
        "image",
        "process_image, 12 MP JPEG (4000×3000)",
        process,
        ops=1,
        repetitions=sizes.image_repetitions,
        warmup=1,
    )
    twelve.extra["input_kb"] = round(len(photo) / 1024)
    results = [twelve]
    for width, height, guard in ((20_000, 20_000, "Pillow's own bomb guard at open()"),
                                 (8_000, 8_000, "Sigap's header check, 40 MP limit")):  # fmt: skip
        png = bomb_png(width, height)

        def refuse(_i: int, png: bytes = png) -> None:
            try:
                process_image(io.BytesIO(png), name="bomb.png", size=len(png))
            except ImageRejected:
                return
            raise RuntimeError("a decompression bomb was accepted")

        result = measure(
            "image",
            f"refuse a PNG bomb claiming {width}×{height} ({guard})",
            refuse,
            ops=20,
            repetitions=sizes.image_repetitions,
            warmup=2,
        )
        result.extra["input_kb"] = round(len(png) / 1024)
        results.append(result)

    # What the header check saves: decoding the same 8000x8000 file anyway (64 MP stays
    # under Pillow's own guard, so plain Pillow decodes it).
    png = bomb_png(8_000, 8_000)
    decode = measure(
        "image",
        "for comparison: decode that 8000×8000 PNG anyway (Image.open().load())",
        lambda _i: Image.open(io.BytesIO(png)).load(),
        ops=1,
        repetitions=sizes.image_repetitions,
        warmup=1,
    )
    decode.extra["input_kb"] = round(len(png) / 1024)
    return [*results, decode]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--images", action="store_true", help="also measure image intake")
    args = parser.parse_args()
    sizes = Sizes.for_mode(quick=args.quick)

    guard_database()
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    demo_load()
    setup_seconds = time.perf_counter() - start
    inputs = Inputs()

    # Image work touches no database: measured once, in the first (SQLite) run.
    results = bench_images(sizes) if args.images else []
    create_results, created = bench_create(sizes, inputs)
    results += create_results
    results.append(bench_route(sizes, created))
    seeded = seed(sizes.database_complaints, inputs)
    results += bench_api(sizes, inputs)
    # Last, so the earlier cases run on the same database as before these were added.
    results += bench_intake(ops=sizes.api_ops, repetitions=sizes.repetitions, warmup=sizes.warmup)

    args.out.write_text(
        json.dumps(
            {
                "database": database_facts(),
                "setup_seconds": setup_seconds,
                "seed": seeded,
                "complaints_at_end": Complaint.objects.count(),
                "results": [asdict(r) for r in results],
                "http_fixtures": http_fixtures(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
