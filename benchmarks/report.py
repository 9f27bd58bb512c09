"""The Markdown report: machine facts, then one table per section, databases side by side."""

from __future__ import annotations

from typing import Any

SECTIONS = (
    ("create", "Complaint creation (complaints.services.complaint_create)"),
    ("route", "Routing (dispositions.services.disposition_route)"),
    ("api", "API through django.test.Client (in-process: no HTTP server, no network)"),
    ("intake", "Channel intake: signed webhooks through django.test.Client, then processing"),
    ("image", "Image intake (complaints.images.process_image)"),
)


def _rate(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.1f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def _notes(extra: dict[str, Any]) -> str:
    notes = []
    if "outcomes" in extra:
        notes.append(", ".join(f"{n} {k}" for k, n in sorted(extra["outcomes"].items())))
    if "photo_kb" in extra:
        notes.append(f"each photo {extra['photo_kb']} KB")
    if "input_kb" in extra:
        notes.append(f"input {extra['input_kb']:,} KB")
    if "visible_complaints" in extra:
        notes.append(f"sees {extra['visible_complaints']:,} complaints")
    if "note" in extra:
        notes.append(extra["note"])
    return "; ".join(notes)


def _section(runs: list[dict[str, Any]], key: str, title: str) -> list[str]:
    lines = [
        f"## {title}",
        "",
        "| Case | Database | Calls (rounds × calls) | Per second (median) "
        "| p50 ms | p95 ms | Notes |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    cases = [r["case"] for r in runs[0]["results"] if r["section"] == key]
    for case in cases:
        for run in runs:
            # Image work touches no database, so its rows name none.
            database = run["database"]["vendor"] if key != "image" else "none"
            for r in run["results"]:
                if r["case"] != case:
                    continue
                lines.append(
                    f"| {case} | {database} | {r['repetitions']} × {r['ops']} "
                    f"| {_rate(r['rate_per_s'])} | {_ms(r['p50_ms'])} | {_ms(r['p95_ms'])} "
                    f"| {_notes(r['extra'])} |"
                )
    return [*lines, ""]


def _queries(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## SQL queries per staff list request",
        "",
        "Counted with django.test.utils.CaptureQueriesContext around one request each "
        "(session and user lookups included). The same count at every page and page size "
        "means no query per row.",
        "",
        "| List as | Database | Queries (request → count) |",
        "| --- | --- | --- |",
    ]
    for run in runs:
        for r in run["results"]:
            if "queries" in r["extra"]:
                who = r["case"].rsplit(" as ", 1)[1]
                counts = ", ".join(f"{k}: {v}" for k, v in r["extra"]["queries"].items())
                lines.append(f"| {who} | {run['database']['vendor']} | {counts} |")
    return [*lines, ""]


def _http(runs: list[dict[str, Any]], seconds: str) -> list[str]:
    lines = [
        "## Optional: HTTP through gunicorn (2 sync workers) and wrk on 127.0.0.1",
        "",
        f"wrk: 1 thread, 4 connections, {seconds} per row, on the same cores as gunicorn "
        "and the database, so these are a floor, not the machine's capacity.",
        "",
        "| Request | Database | Requests | Per second | p50 ms | p90 ms | p99 ms | Errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        for row in run["http"]:
            errors = [f"{row['non_2xx']} non-2xx"] if row["non_2xx"] else []
            errors += [row["socket_errors"]] if row["socket_errors"] else []
            lines.append(
                f"| {row['case']} | {run['database']['vendor']} | {row['requests']:,} "
                f"| {_rate(row['rate'])} | {_ms(row['p50'])} | {_ms(row['p90'])} "
                f"| {_ms(row['p99'])} | {', '.join(errors) or 'none'} |"
            )
    return [*lines, ""]


def _databases(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Databases",
        "",
        "| Database | Setup (migrate + demo reference data) | Seeded for the API | "
        "Complaints at the end | Whole run |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for run in runs:
        db, seed = run["database"], run["seed"]
        lines.append(
            f"| {db['vendor']} {db['version']} ({db['name']}) | {run['setup_seconds']:.1f} s "
            f"| to {seed['complaints']:,} complaints in {seed['seconds']:.1f} s "
            f"| {run['complaints_at_end']:,} | {run['wall_seconds']:.0f} s |"
        )
    return [*lines, ""]


def render(
    runs: list[dict[str, Any]], *, machine: dict[str, str], date: str, command: str, quick: bool
) -> str:
    mode = "quick mode: small loop counts, a smoke check, not a reference" if quick else "full"
    lines = [
        f"# Sigap benchmarks, {date}",
        "",
        f"Command: `.venv/bin/python {command}` ({mode}). "
        "See benchmarks/README.md for what each number means and what is not measured.",
        "",
        "| Machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in machine.items()),
        "",
        *_databases(runs),
    ]
    for key, title in SECTIONS:
        lines += _section(runs, key, title)
        if key == "api":
            lines += _queries(runs)
            if "http" in runs[0]:
                lines += _http(runs, "3 s" if quick else "10 s")
    return "\n".join(lines).rstrip() + "\n"
