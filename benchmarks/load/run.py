"""`make bench-load`: Sigap in production shape on this machine, under load, as a ratio to
a bare Django JSON view served by the same gunicorn in the same run.

    .venv/bin/python benchmarks/load/run.py [--database-url URL] [--seconds 10] [--burst 2000]

Starts its own redis-server (a free port, no persistence), gunicorn (2 workers x 4
threads), two Celery workers (intake/notify/default queues) on a PostgreSQL database it
drops and creates (the name must contain "bench"), then measures, for a bounded time each:
the bare view, /healthz, the signed WhatsApp webhook and the citizen API's create; and a
burst of WhatsApp texts, timed until every one is a complaint with its acknowledgement
sent. Prints Markdown and writes benchmarks/results/<date>-<host>-load.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(ROOT / "benchmarks"), str(ROOT)]
from generator import Result, run  # noqa: E402
from machine import machine_facts  # noqa: E402

from scripts.local_redis import free_port, redis_answers, redis_argv  # noqa: E402

BIN = Path(sys.executable).parent
APP_SECRET = "load-app-secret"  # noqa: S105 - the benchmark's own throwaway webhook
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sigap_hardening_bench"


def wait_for(condition, what: str, timeout: float = 120.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise SystemExit(f"{what}: not within {timeout:.0f} s")


def recreate(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: a benchmark database name contains 'bench'")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def whatsapp_delivery(n: int, run_id: str) -> bytes:
    phone = f"62812{n % 10_000_000:08d}"
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "1"},
                                "contacts": [{"wa_id": phone, "profile": {"name": "Warga"}}],
                                "messages": [
                                    {
                                        "from": phone,
                                        "id": f"wamid.{run_id}.{n}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": f"Jalan berlubang nomor {n} di Dago."},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def signed(raw: bytes) -> dict[str, str]:
    digest = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.children = env, logs, []

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        child = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            process_group=0,
        )
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in reversed(self.children):
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def row(result: Result, ceiling: float) -> str:
    ratio = result.rate / ceiling if ceiling else float("nan")
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
    return (
        f"| {result.name} | {result.rate:.0f} | {ratio:.2f}x | {result.p50:.0f} | "
        f"{result.percentile(0.99):.0f} | {result.errors} | {codes} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--burst", type=int, default=2000)
    args = parser.parse_args()

    load_at_start = os.getloadavg()
    recreate(args.database_url)
    tmp = Path(tempfile.mkdtemp(prefix="sigap-load-"))
    redis_port, web_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp)),
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "SIGAP_VAR_DIR": str(tmp / "var"),
        "SECRET_KEY": f"load-{uuid.uuid4().hex}",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "CONVERSATION_WINDOW_SECONDS": "0",
        "PUBLIC_CREATE_RATE": "100000000/hour",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    procs = Processes(env, tmp)
    try:
        subprocess.run(
            [str(BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        procs.start("redis", redis_argv(port=redis_port, directory=tmp))
        wait_for(lambda: redis_answers(redis_port), "redis-server answers PING")
        procs.start(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                f"--bind=127.0.0.1:{web_port}",
                "--workers=2",
                "--threads=4",
                "--no-control-socket",
                "--log-level=warning",
            ],
        )
        base = f"http://127.0.0.1:{web_port}"
        import urllib.request

        def up() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/bench/bare/", timeout=2) as answer:  # noqa: S310
                    return answer.status == 200
            except OSError:
                return False

        wait_for(up, "gunicorn answers")
        seconds, conc = args.seconds, args.concurrency
        run_id = uuid.uuid4().hex[:8]
        results = [
            run(
                base,
                "bare Django JSON view (ceiling)",
                lambda n: ("GET", "/bench/bare/", None, {}),
                concurrency=conc,
                seconds=seconds,
            ),
            run(
                base,
                "GET /healthz",
                lambda n: ("GET", "/healthz", None, {}),
                concurrency=conc,
                seconds=seconds,
            ),
        ]

        def webhook(n: int):
            raw = whatsapp_delivery(n, f"w{run_id}")
            return "POST", "/webhooks/whatsapp/", raw, signed(raw)

        results.append(
            run(
                base,
                "POST /webhooks/whatsapp/ (signed, stored)",
                webhook,
                concurrency=conc,
                seconds=seconds,
            )
        )

        def create(n: int):
            body = json.dumps(
                {
                    "text": f"Lampu jalan mati di Jl. Dago nomor {n}, sudah seminggu.",
                    "reporter": {"name": "Warga", "phone": f"0812{n % 100_000_000:08d}"},
                }
            ).encode()
            return "POST", "/api/v1/complaints/", body, {"Content-Type": "application/json"}

        results.append(
            run(
                base,
                "POST /api/v1/complaints/ (citizen create)",
                create,
                concurrency=conc,
                seconds=seconds,
            )
        )

        # The burst: the inbox fills first (no workers yet), then two workers drain it.
        with psycopg.connect(args.database_url, autocommit=True) as db:
            # What the endpoint rows left behind (their tasks, their rows) is not the burst's.
            db.execute("TRUNCATE channels_intake_inboundmessage CASCADE")
            redis.Redis(host="127.0.0.1", port=redis_port, db=0).flushdb()
            burst_id = f"b{run_id}"

            def burst(n: int):
                raw = whatsapp_delivery(n, burst_id)
                return "POST", "/webhooks/whatsapp/", raw, signed(raw)

            stored = run(
                base,
                f"burst of {args.burst} WhatsApp texts (stored)",
                burst,
                concurrency=conc,
                seconds=600,
                limit=args.burst,
            )
            for name in ("worker-1", "worker-2"):
                procs.start(
                    name,
                    [
                        str(BIN / "celery"),
                        "-A",
                        "config",
                        "worker",
                        "--queues=intake,notify,default",
                        "--concurrency=1",
                        "--loglevel=WARNING",
                        "--without-mingle",
                        "--without-gossip",
                        f"--hostname={name}-{run_id}@%h",
                    ],
                )

            def count(sql: str) -> int:
                return int(db.execute(sql, (f"wamid.{burst_id}.%",)).fetchone()[0])

            acks_sql = (
                "SELECT count(*) FROM channels_intake_outboundmessage o "
                "JOIN channels_intake_inboundmessage i ON i.complaint_id = o.complaint_id "
                "WHERE o.kind = 'ack' AND o.state = 'sent' AND i.provider_message_id LIKE %s"
            )
            started = time.monotonic()
            first_ack = wait_for(lambda: count(acks_sql) > 0, "first acknowledgement", 600)
            drained = wait_for(lambda: count(acks_sql) >= stored.requests, "burst drained", 900)
            drain_seconds = time.monotonic() - started
        ceiling = results[0].rate
        lines = [
            f"# Load benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"gunicorn 2 workers x 4 threads, PostgreSQL, Redis (broker and cache), "
            f"{conc} connections for {seconds:.0f} s per row, generator on the same machine.",
            "",
            "| endpoint | req/s | vs bare | p50 ms | p99 ms | errors | statuses |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
            *(row(r, ceiling) for r in results),
            row(stored, ceiling),
            "",
            f"Burst: {stored.requests} texts stored in {stored.seconds:.1f} s; then 2 workers "
            f"(concurrency 1 each): first acknowledgement sent after {first_ack:.1f} s, every "
            f"one a complaint with its acknowledgement sent after {drain_seconds:.1f} s "
            f"({stored.requests / drain_seconds:.1f} per second).",
            "",
            "## Machine",
            "",
            *(
                f"- {k}: {v}"
                for k, v in machine_facts(
                    [
                        {
                            "database": {
                                "vendor": "PostgreSQL",
                                "version": pg_version(args.database_url),
                            }
                        }
                    ],
                    load_at_start=load_at_start,
                ).items()
            ),
        ]
        del drained
        report = "\n".join(lines) + "\n"
        print(report)
        out = (
            ROOT
            / "benchmarks"
            / "results"
            / (f"{datetime.now(UTC):%Y-%m-%d}-{platform.node()}-load.md")
        )
        out.parent.mkdir(exist_ok=True)
        out.write_text(report)
        print(f"written to {out.relative_to(ROOT)}")
    finally:
        procs.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def pg_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


if __name__ == "__main__":
    main()
