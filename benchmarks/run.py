"""Run Sigap's benchmarks on throwaway databases and write the results down with the machine.

    .venv/bin/python benchmarks/run.py [--database-url URL] [--quick] [--http]

SQLite (the embedded default, in a temporary directory) always runs; each --database-url
adds a PostgreSQL run on a database this script drops and creates, so its name must
contain "bench". Each database is measured in its own process (benchmarks/suite.py); this
script prints one Markdown report and writes it to benchmarks/results/. --http adds an
optional run through gunicorn and wrk on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from machine import machine_facts
from psycopg import sql
from report import render
from wrk_run import measure_http, wrk_available

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SQLITE = "sqlite"


def child_env(var_dir: Path, database_url: str) -> dict[str, str]:
    """The child's whole configuration: nothing leaks in from the caller's .env or shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGAP_", "DATABASE_"))}
    for name in ("MEDIA_ROOT", "STATIC_ROOT", "CELERY_BROKER_URL", "SECRET_KEY"):
        env.pop(name, None)
    env.update(
        SIGAP_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        # The embedded broker in the temp dir: the after-commit enqueue is real but local.
        CELERY_BROKER_URL="filesystem://",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        # The public create throttle (30/hour) would refuse the benchmark's own posts.
        PUBLIC_CREATE_RATE="1000000/hour",
    )
    return env


def bench_database_name(url: str) -> str:
    """The database name in `url`, or exit: only a name containing "bench" may be dropped."""
    name = psycopg.conninfo.conninfo_to_dict(url).get("dbname", "")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: a benchmark database name contains 'bench'")
    return name


@contextmanager
def throwaway_postgres(url: str) -> Iterator[None]:
    """Drop and create the database named in `url`; drop it again afterwards."""
    name = bench_database_name(url)
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")

    def run(statement: sql.Composed) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    run(drop)
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield
    finally:
        run(drop)


def run_suite(
    database_url: str, *, quick: bool, images: bool, http_seconds: int | None
) -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix="sigap-bench-"))
    try:
        if database_url == SQLITE:
            database_url = f"sqlite:///{var_dir / 'sigap.sqlite3'}"
        out = var_dir / "results.json"
        (var_dir / "static").mkdir()  # whitenoise warns about a missing STATIC_ROOT
        command = [sys.executable, str(HERE / "suite.py"), "--out", str(out)]
        command += ["--quick"] * quick + ["--images"] * images
        start = time.perf_counter()
        env = child_env(var_dir, database_url)
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        data = json.loads(out.read_text())
        if http_seconds:
            # The same database, still in place, now behind a real server.
            data["http"] = measure_http(
                env=env, fixtures=data["http_fixtures"], seconds=http_seconds, work_dir=var_dir
            )
        data["wall_seconds"] = time.perf_counter() - start
        return data
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        metavar="URL",
        help="also run on this PostgreSQL database (dropped, created, dropped again; "
        "its name must contain 'bench')",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke check (about 30 s)")
    parser.add_argument(
        "--http",
        action="store_true",
        help="optional: also drive the API through gunicorn with wrk (needs Debian's wrk)",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=HERE / "results", help="where the report is written"
    )
    args = parser.parse_args()
    if args.http and not wrk_available():
        raise SystemExit("--http needs wrk: apt-get install -y wrk")
    for url in args.database_url:
        bench_database_name(url)  # refuse before spending minutes on SQLite
    http_seconds = (3 if args.quick else 10) if args.http else None
    load_at_start = os.getloadavg()

    runs = []
    for url in [SQLITE, *args.database_url]:
        print(f"Measuring on {'SQLite' if url == SQLITE else url} ...", file=sys.stderr, flush=True)
        database = nullcontext() if url == SQLITE else throwaway_postgres(url)
        with database:
            runs.append(
                run_suite(url, quick=args.quick, images=url == SQLITE, http_seconds=http_seconds)
            )

    today = datetime.now(UTC).date().isoformat()
    host = socket.gethostname() or "python-svc"
    command = " ".join(["benchmarks/run.py", *sys.argv[1:]])
    report = render(
        runs,
        machine=machine_facts(runs, load_at_start=load_at_start),
        date=today,
        command=command,
        quick=args.quick,
    )
    print(report)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"{today}-{host}{'-quick' if args.quick else ''}.md"
    path.write_text(report)
    print(f"Written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
