"""Real processes for the tests that need them: a private Redis, gunicorn, Celery worker and beat.

Each process runs in its own process group with its output in a log file; the test
database is handed to them as a URL. Used by tests/test_redis_outage.py, tests/chaos/ and
tests/test_worker_stop.py. The Redis server itself comes from scripts/local_redis.py,
which the load benchmark shares.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from scripts.local_redis import free_port, redis_answers, redis_argv

from .channels_intake.whatsapp_helpers import APP_SECRET, URL, fixture, signature

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A webhook answer slower than this counts as hanging: the test fails instead of waiting.
ANSWER_TIMEOUT = 30.0
BOOT_TIMEOUT = 90.0
# Generous: after Redis returns, the worker reconnects with growing pauses (2 s, 4 s, ...).
PROCESS_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
# The inbox sweeper, shortened through its settings so a test need not wait a minute.
RELAY_INTERVAL_SECONDS = 2
RELAY_AFTER_SECONDS = 1
SUCCEEDED = re.compile(r"Task (\S+)\[[\w-]+\] succeeded in [\d.]+s: '?(\w+)'?")


def database_url() -> str:
    """The test database as a URL the processes' settings read (as tests/test_real_worker.py)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def group_members(pgid: int) -> list[int]:
    """Live processes (zombies excluded) of one process group, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        # After the command name: state, ppid, pgrp.
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def whatsapp_text(*, wamid: str, phone: str, name: str, text: str) -> bytes:
    """One text message in Meta's real delivery format (the `text` fixture, re-addressed)."""
    delivery = json.loads(fixture("text"))
    value = delivery["entry"][0]["changes"][0]["value"]
    contact = value["contacts"][0]
    contact.update(wa_id=phone, profile={"name": name})
    contact.pop("user_id", None)
    message = value["messages"][0]
    message.update(id=wamid, timestamp=str(int(time.time())), text={"body": text})
    message["from"] = phone
    return json.dumps(delivery, ensure_ascii=False).encode()


class Service:
    """One real process in its own process group; its output goes to a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> bool:
        """SIGTERM to the main process (gunicorn, Celery and Redis stop their own children),
        as scripts/run.py does; SIGKILL to the group if anything lingers. True if clean."""
        clean = True
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                clean = False
        deadline = time.monotonic() + 5
        while group_members(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if group_members(self.process.pid) or self.running:
            clean = False
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._log.close()
        return clean


class Stack:
    """Private Redis, web (gunicorn), worker and beat, sharing the test database."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.redis_port = free_port()
        self.web_port = free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.services: dict[str, Service] = {}
        self._redis_starts = 0
        env = {
            key: value
            for key, value in os.environ.items()
            # Nothing of the machine's own services or credentials reaches these processes.
            if key
            not in ("CACHE_URL", "DEBUG", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            SIGAP_VAR_DIR=str(tmp_path / "var"),
            # Set, so the processes do not race to generate one in the var directory.
            SECRET_KEY=f"outage-test-{uuid.uuid4().hex}",
            ALLOWED_HOSTS="127.0.0.1",
            WHATSAPP_APP_SECRET=APP_SECRET,
            # Chat drafts: each message is submitted as a complaint at once.
            CONVERSATION_WINDOW_SECONDS="0",
            INBOX_RELAY_INTERVAL_SECONDS=str(RELAY_INTERVAL_SECONDS),
            INBOX_RELAY_AFTER_SECONDS=str(RELAY_AFTER_SECONDS),
            HEALTHZ_BROKER_CHECK_SECONDS="1",
            PYTHONUNBUFFERED="1",
        )
        self.env = env

    # --- processes ---------------------------------------------------------------------------

    def _start(self, name: str, argv: list[str]) -> Service:
        service = Service(name, argv, self.env, self.dir / f"{name}.log")
        self.services[name] = service
        return service

    def start_redis(self) -> None:
        self._redis_starts += 1
        redis_dir = self.dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        self._start(
            f"redis-{self._redis_starts}",
            redis_argv(port=self.redis_port, directory=redis_dir),
        )
        self.wait_for(self._redis_answers, "redis-server answers PING", BOOT_TIMEOUT)

    def stop_redis(self) -> None:
        redis = self.services.pop(f"redis-{self._redis_starts}")
        assert redis.stop(), redis.log()

    def _redis_answers(self) -> bool:
        return redis_answers(self.redis_port)

    def start_web(self) -> None:
        self._start(
            "web",
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                f"--bind=127.0.0.1:{self.web_port}",
                "--workers=1",
                "--threads=4",
                "--access-logfile=-",
                "--no-control-socket",
            ],
        )
        self.wait_for(lambda: self.health()[0] == 200, "/healthz answers 200", BOOT_TIMEOUT)

    def start_worker(self, *, name: str = "worker", concurrency: int = 1) -> None:
        self._start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--queues=default,intake,notify",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=outage-{uuid.uuid4().hex[:8]}@%h",
            ],
        )

    def start_beat(self, *, name: str = "beat") -> None:
        """Celery beat with a schedule file of its own, so several beats can run at once."""
        self._start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.beat_schedule(name)}",
            ],
        )

    def beat_schedule(self, name: str) -> Path:
        return self.dir / f"{name}-schedule"

    def stop_all(self) -> dict[str, bool]:
        """Stop every process, Redis last so the others stop without errors; which were clean."""
        order = sorted(self.services, key=lambda name: name.startswith("redis"))
        return {name: self.services.pop(name).stop() for name in order}

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n{service.log()[-3000:]}" for name, service in self.services.items()
        )

    # --- HTTP --------------------------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, str]]:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except OSError:
            return 0, {}

    def post_whatsapp(self, raw: bytes) -> tuple[int, dict[str, int]]:
        """POST a delivery signed as Meta signs it; fail if the answer takes too long."""
        request = urllib.request.Request(
            f"{self.base}{URL}",
            data=raw,
            method="POST",
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature(raw)},
        )
        try:
            with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {"error": error.read().decode(errors="replace")}
        except TimeoutError:
            pytest.fail(f"the webhook did not answer within {ANSWER_TIMEOUT:.0f} s\n{self.logs()}")

    # --- waiting -----------------------------------------------------------------------------

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            dead = [name for name, service in self.services.items() if not service.running]
            if dead:
                pytest.fail(f"{', '.join(dead)} exited while waiting for: {what}\n{self.logs()}")
            time.sleep(0.25)
        pytest.fail(f"{what}: not within {timeout:.0f} s\n{self.logs()}")

    def beat_sends(self) -> int:
        """How many times beat has sent the inbox sweeper so far (sent or failed to)."""
        return self.services["beat"].log().count("Sending due task relay-stranded-inbound")

    def succeeded(self, task_name: str) -> list[str]:
        """The return values the worker logged for `task_name`, in order."""
        log = self.services["worker"].log()
        return [m[2] for m in SUCCEEDED.finditer(log) if m[1] == task_name]
