"""The staff queue under search and filters: p50/p95 of the whole page and of the selector.

Run against a database that already holds generated complaints (never a production one):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sigap_workspace_bench \\
        .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo --quiet
    ... manage.py generate_complaints --count 1000000 --no-rebuild
    DATABASE_URL=... .venv/bin/python benchmarks/workspace_search.py [--calls 40]

Each case is a real GET of /dashboard/ through Django's test client (middleware, the
filter form, the keyset page, the bounded tab counts, the template) as a demo account;
the selector case times dashboard.filters.complaints_filtered alone for its first page.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.timing import percentile  # noqa: E402
from complaints.models import Complaint, User  # noqa: E402
from dashboard.filters import complaints_filtered  # noqa: E402

CASES = [
    ("operator", "triage tab (default)", ""),
    ("operator", "all, text search", "status=all&q=jalan+berlubang"),
    ("operator", "all, informal spelling with a typo", "status=all&q=jln+rusk+parah"),
    ("operator", "tracking code typed loosely", "status=all&q={code}"),
    ("operator", "open, one kecamatan, overdue", "status=open&area=32.73.02&due=overdue"),
    (
        "operator",
        "all, category + channel + dates",
        "status=all&category={category}&channel=whatsapp&date_from=2026-06-01&date_to=2026-09-30",
    ),
    ("operator", "all, oldest first, page 2", "status=all&sort=oldest"),
    ("supervisor", "all, reopened with photos", "status=all&reopened=on&photos=on"),
    ("dinas.binamarga", "agency staff default", ""),
    ("dinas.binamarga", "agency staff, text search", "status=all&q=aspal"),
]


def timed(calls: int, fn) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(3):
        fn()
    out = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    settings.TWO_FACTOR_REQUIRED = False  # the list is measured, not the sign-in
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # No collectstatic manifest needed: {% static %} is not what is measured.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    total = Complaint.objects.count()
    sample = Complaint.objects.order_by("-id").values("tracking_code", "category_id").first()
    code = sample["tracking_code"].replace("-", " ").lower() if sample else "xxxx"
    category = sample["category_id"] or "" if sample else ""
    print(f"Complaints: {total:,} on {connection.vendor}; {args.calls} calls per case\n")
    print("| as | case | p50 ms | p95 ms | queries |")
    print("| --- | --- | ---: | ---: | ---: |")
    clients: dict[str, Client] = {}
    for username, label, query in CASES:
        query = query.format(code=code, category=category)
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        url = f"/dashboard/?{query}"
        if "page 2" in label:
            found = re.search(r'href="([^"]+)" id="page-next"', client.get(url).content.decode())
            if found:
                url = "/dashboard/" + html.unescape(found.group(1))

        def get(url: str = url, client: Client = client) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")

        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):  # type: ignore[no-untyped-def]
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            get()
        times = timed(args.calls, get)
        print(
            f"| {username} | {label} | {percentile(times, 0.5):.1f} | "
            f"{percentile(times, 0.95):.1f} | {len(executed)} |"
        )
    operator = User.objects.get(username="operator")
    times = timed(
        args.calls,
        lambda: list(complaints_filtered(operator, QueryDict("status=all&q=jalan+berlubang"))[:25]),
    )
    print(
        f"| operator | selector only: complaints_filtered, text search, 25 rows | "
        f"{percentile(times, 0.5):.1f} | {percentile(times, 0.95):.1f} | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
