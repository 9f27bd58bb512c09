"""Redis down: WhatsApp webhooks are still answered and stored, and processed when it returns.

Real processes, as production runs them: a private redis-server on a free port (never the
machine's Redis on 6379), gunicorn serving the app, a Celery worker and Celery beat, all
on the test database (SQLite file or PostgreSQL, as the suite runs). The test stops Redis
between two deliveries and starts it again; the stranded-inbound sweeper, a beat entry,
relays what the webhook could not enqueue. See docs/resilience.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from channels_intake.models import InboundMessage
from complaints.models import Channel, Complaint

from .channels_intake.whatsapp_helpers import APP_SECRET, URL, fixture, signature

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="redis-server is not installed"),
]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A webhook answer slower than this counts as hanging: the test fails instead of waiting.
ANSWER_TIMEOUT = 30.0
BOOT_TIMEOUT = 90.0
# Generous: after Redis returns, the worker reconnects with growing pauses (2 s, 4 s, ...).
PROCESS_TIMEOUT = 120.0
STOP_TIMEOUT = 20.0
# The sweeper, shortened through its settings so the test need not wait a minute.
RELAY_INTERVAL_SECONDS = 2
RELAY_AFTER_SECONDS = 1
SUCCEEDED = re.compile(r"Task (\S+)\[[\w-]+\] succeeded in [\d.]+s: '?(\w+)'?")
NOT_ENQUEUED = "Could not enqueue inbound message"
State = InboundMessage.State


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str:
    """The test database as a URL the processes' settings read (as tests/test_real_worker.py)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _group_members(pgid: int) -> list[int]:
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
        while _group_members(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_members(self.process.pid) or self.running:
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
        self.redis_port = _free_port()
        self.web_port = _free_port()
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
            DATABASE_URL=_database_url(),
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
            [
                REDIS_SERVER,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                # No persistence: a restart comes back empty, as after losing its data.
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(redis_dir),
            ],
        )
        self.wait_for(self._redis_answers, "redis-server answers PING", BOOT_TIMEOUT)

    def stop_redis(self) -> None:
        redis = self.services.pop(f"redis-{self._redis_starts}")
        assert redis.stop(), redis.log()

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

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

    def start_beat(self) -> None:
        self._start("beat", [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO"])

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


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        # Whatever the outcome, no process of this test outlives it.
        stack.stop_all()


def _inbound(wamid: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(
        channel=Channel.WHATSAPP, provider_message_id=wamid
    ).first()


def _complaint_of(phone: str) -> Complaint | None:
    return Complaint.objects.filter(channel=Channel.WHATSAPP, reporter__phone=phone).first()


def test_it_answers_and_stores_webhooks_while_redis_is_down_and_processes_them_after(stack):
    stack.start_redis()
    stack.start_web()
    stack.start_worker()

    # 1. Redis up, no beat yet: the webhook's own enqueue is the only way to the worker.
    up_wamid = f"wamid.UP{uuid.uuid4().hex}"
    status, answer = stack.post_whatsapp(
        whatsapp_text(
            wamid=up_wamid,
            phone="6281234567890",
            name="Budi Santoso",
            text="LAPOR lampu jalan mati di Jl. Dago, gelap sekali",
        )
    )
    assert (status, answer) == (200, {"received": 1, "new": 1})
    stack.wait_for(
        lambda: _complaint_of("+6281234567890") is not None,
        "the message sent while Redis was up became a complaint",
        PROCESS_TIMEOUT,
    )
    up = _inbound(up_wamid)
    assert up is not None
    assert up.state == State.PROCESSED
    stack.wait_for(
        lambda: stack.succeeded("channels_intake.process_inbound") == ["processed"],
        "the worker logged the processing",
        PROCESS_TIMEOUT,
    )
    assert stack.succeeded("channels_intake.relay_stranded_inbound") == []

    # 2. Beat starts and its sweeper runs, finding nothing stranded; then Redis stops.
    # Web, worker and beat keep running through the outage, as they would in production.
    stack.start_beat()
    stack.wait_for(
        lambda: stack.succeeded("channels_intake.relay_stranded_inbound")[:1] == ["0"],
        "the sweeper ran once with Redis up",
        BOOT_TIMEOUT,
    )
    sent_before_outage = stack.beat_sends()
    stack.stop_redis()
    down_wamid = f"wamid.DOWN{uuid.uuid4().hex}"
    status, answer = stack.post_whatsapp(
        whatsapp_text(
            wamid=down_wamid,
            phone="6281398765432",
            name="Siti Rahayu",
            text="Sampah menumpuk di pasar Sukajadi sudah seminggu 🙏",
        )
    )
    assert (status, answer) == (200, {"received": 1, "new": 1})
    stored = _inbound(down_wamid)
    assert stored is not None
    assert stored.state == State.RECEIVED
    assert stored.complaint is None
    # The failed enqueue was logged, not raised; the health check tells operators why.
    assert NOT_ENQUEUED in stack.services["web"].log()
    # The broker's state is checked at most once per HEALTHZ_BROKER_CHECK_SECONDS (1 here).
    stack.wait_for(lambda: stack.health()[0] == 503, "/healthz reports the broker", BOOT_TIMEOUT)
    health_status, health = stack.health()
    assert health_status == 503
    assert health["database"] == "ok"
    assert health["broker"].startswith("error")
    # Beat keeps to its schedule through the outage; like the worker, it does not exit.
    stack.wait_for(
        lambda: stack.beat_sends() > sent_before_outage,
        "beat's next sweeper run came due while Redis was down",
        PROCESS_TIMEOUT,
    )
    assert _complaint_of("+6281398765432") is None
    assert _inbound(down_wamid).state == State.RECEIVED

    # 3. Redis returns, empty. Worker and beat reconnect by themselves; the sweeper relays.
    stack.start_redis()
    stack.wait_for(
        lambda: _complaint_of("+6281398765432") is not None,
        "the message stored while Redis was down became a complaint",
        PROCESS_TIMEOUT,
    )
    stack.wait_for(
        lambda: _inbound(down_wamid).state == State.PROCESSED,
        "the stored message is marked processed",
        PROCESS_TIMEOUT,
    )
    processed = _inbound(down_wamid)
    assert processed.complaint == _complaint_of("+6281398765432")
    assert processed.complaint.reporter.name == "Siti Rahayu"
    assert "Sampah menumpuk" in processed.complaint.text
    # The sweeper relayed it: the webhook's own enqueue had failed.
    stack.wait_for(
        lambda: "1" in stack.succeeded("channels_intake.relay_stranded_inbound"),
        "the sweeper logged relaying one message",
        PROCESS_TIMEOUT,
    )
    # Each message became exactly one complaint.
    assert Complaint.objects.filter(channel=Channel.WHATSAPP).count() == 2

    # 4. Everything stops cleanly and leaves no process behind.
    pids = {name: service.process.pid for name, service in stack.services.items()}
    assert stack.stop_all() == dict.fromkeys(pids, True)
    assert {name: _group_members(pid) for name, pid in pids.items()} == {name: [] for name in pids}


def test_it_tries_a_dead_broker_once_per_enqueue(tmp_path):
    """The fix in config/settings.py (transport option max_retries=0), shown by counting.

    Without it, a publish with retry=False still retries the connection for kombu's
    broker_connection_timeout: three attempts and 6 s per message. The "broker" here
    accepts and hangs up at once, as a proxy in front of a stopped Redis does.
    """
    attempts: list[float] = []
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        dead.listen(16)
        port = dead.getsockname()[1]

        def hang_up() -> None:
            while True:
                try:
                    accepted, _address = dead.accept()
                except OSError:
                    return
                attempts.append(time.monotonic())
                accepted.close()

        threading.Thread(target=hang_up, daemon=True).start()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
            "SIGAP_VAR_DIR": str(tmp_path / "var"),
        }
        code = (
            "import django; django.setup()\n"
            "from channels_intake.inbox import inbound_enqueue\n"
            "inbound_enqueue(message_id=1)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert NOT_ENQUEUED in result.stderr
    assert len(attempts) == 1
