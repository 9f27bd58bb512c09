"""Report pages at scale: p50/p95 of every section on a generated PostgreSQL database.

Usage (make bench-scale does all three steps on sigap_reports_bench):
  DATABASE_URL=postgres://... manage.py generate_complaints --count 1000000 --seed 1
  .venv/bin/python benchmarks/reports_scale.py --database-url postgres://.../sigap_reports_bench
Writes the figures with the machine to docs/benchmarks.md (section "Reports at scale").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SECTIONS = ["volume", "ketepatan-waktu", "kualitas", "akuntabilitas"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from machine import machine_facts

    from complaints.models import Area, User
    from dashboard.models import ComplaintFact

    settings.ALLOWED_HOSTS = ["*"]
    settings.TWO_FACTOR_REQUIRED = False  # the reports are measured, not the sign-in
    settings.STORAGES = {  # no collectstatic manifest needed: {% static %} is not measured
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    load = os.getloadavg()
    user = User.objects.filter(role=User.Role.SUPERVISOR, area__isnull=True).first()
    if user is None:
        sys.exit("no supervisor without an area scope: run load_demo first")
    client = Client()
    client.force_login(user)
    province = Area.objects.filter(level=1).order_by("code").first()
    latest = ComplaintFact.objects.order_by("-created_at").values_list("created_at", flat=True)[0]
    year = latest.year
    scenarios = {
        f"year {year}, province {province.name}": (
            f"periode=kustom&dari={year}-01-01&sampai={year}-12-31&wilayah={province.code}"
        ),
        f"{year}-01-15 to {year}-11-20, province {province.name} (partial months)": (
            f"periode=kustom&dari={year}-01-15&sampai={year}-11-20&wilayah={province.code}"
        ),
        "this month, everything": "periode=bulan",
        "this week, everything": "periode=minggu",
    }
    facts = ComplaintFact.objects.count()
    lines = []
    worst = 0.0
    for scenario, query in scenarios.items():
        for section in SECTIONS:
            url = f"/dashboard/laporan/{section}/?{query}"
            began = time.perf_counter()
            queries: list[str] = []

            def count(execute, sql, params, many, context, queries=queries):  # type: ignore[no-untyped-def]
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = client.get(url)
            first = time.perf_counter() - began
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - began)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            worst = max(worst, p95)
            lines.append(
                f"| {scenario} | {section} | {len(queries)} | {first * 1000:.0f} | "
                f"{statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} |"
            )
            print(lines[-1], flush=True)
    machine = machine_facts(
        [{"database": {"vendor": "PostgreSQL", "version": connection.pg_version}}],
        load_at_start=load,
    )
    block = [
        f"### {args.label or 'Run'}: {facts:,} complaints (report facts) on PostgreSQL",
        "",
        f"Runs per page: {args.runs} warm after one first request. Whole page through "
        "Django's test client: selector, charts (pygal) and template. Times in ms.",
        "",
        "| period and area | section | queries | first | p50 | p95 |",
        "| --- | --- | --- | --- | --- | --- |",
        *lines,
        "",
        f"Worst warm p95: {worst * 1000:.0f} ms (goal 500 ms).",
        "",
        "Machine: " + "; ".join(f"{k}: {v}" for k, v in machine.items()),
        "",
    ]
    out = Path(args.out)
    text = out.read_text() if out.exists() else "# Benchmarks\n"
    heading = "## Reports at scale"
    if heading not in text:
        text += f"\n{heading}\n\n(`make bench-scale`; benchmarks/reports_scale.py)\n\n"
    marker = f"### {args.label or 'Run'}:"
    text = re.sub(rf"{re.escape(marker)}.*?(?=\n### |\Z)", "", text, flags=re.DOTALL).rstrip()
    out.write_text(text + "\n\n" + "\n".join(block))


if __name__ == "__main__":
    main()
