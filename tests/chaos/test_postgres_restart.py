"""PostgreSQL restarted under a running web server: requests meanwhile get a clean 503
with a reason and Retry-After, never a traceback page, and the server recovers by itself.

A private PostgreSQL cluster (initdb in a temporary directory, a free port, run as the
`postgres` system user since PostgreSQL refuses root), never the machine's own server.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from scripts.local_redis import free_port
from tests.processes import BIN, Service

PG_BIN = Path(shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl").parent
RUNUSER = shutil.which("runuser")


def _postgres_user() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return True


pytestmark = [
    pytest.mark.slow,
    pytest.mark.chaos,
    pytest.mark.skipif(
        not ((PG_BIN / "initdb").exists() and RUNUSER and _postgres_user() and os.getuid() == 0),
        reason="needs initdb, runuser and a postgres user (the test runs as root)",
    ),
]

TIMEOUT = 90.0


class Cluster:
    def __init__(self) -> None:
        # Not under pytest's tmp_path: its directories are root's alone (0700), and the
        # server runs as postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="sigap-pg-chaos-"))
        self.dir.chmod(0o755)
        shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust"])

    def _as_postgres(self, argv: list[str]) -> None:
        subprocess.run(
            [RUNUSER, "-u", "postgres", "--", *argv],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        data, log = str(self.dir / "data"), str(self.dir / "log")
        self._as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", data, "-o", options, "-w", "-l", log, "start"]
        )

    def stop(self) -> None:
        data = str(self.dir / "data")
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"])

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"{what}: not within {TIMEOUT:.0f} s")


def test_postgres_restarted_under_the_web_server_is_a_503_then_recovers(tmp_path):
    cluster = Cluster()
    cluster.start()
    web = None
    try:
        name = "sigap_hardening_chaos"
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "DEBUG")},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": cluster.url(name),
            "SIGAP_VAR_DIR": str(tmp_path / "var"),
            "SECRET_KEY": f"pg-chaos-{uuid.uuid4().hex}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "HEALTHZ_BROKER_CHECK_SECONDS": "3600",
        }
        subprocess.run(
            [str(BIN / "python"), "manage.py", "migrate", "-v0"],
            env=env,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        port = free_port()
        web = Service(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=1",
                "--threads=2",
                "--no-control-socket",
            ],
            env,
            tmp_path / "web.log",
        )
        url = f"http://127.0.0.1:{port}/api/v1/categories/"
        wait_for(lambda: get(url)[0] == 200, "the API answers")

        cluster.stop()
        status, headers, body = get(url)
        assert status == 503, body[:500]
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["code"] == "database_unavailable"
        assert int(headers["Retry-After"]) > 0
        health_status, _headers, health = get(f"http://127.0.0.1:{port}/healthz")
        assert health_status == 503
        assert json.loads(health)["database"].startswith("error")

        cluster.start()
        wait_for(lambda: get(url)[0] == 200, "the API answers again, without a restart")
        assert web.running
    finally:
        if web is not None:
            web.stop()
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(cluster.dir, ignore_errors=True)
