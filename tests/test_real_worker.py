"""Routing through a real `celery -A config worker` process, the broker and the database.

Ordinary tests run tasks in-process (tests/conftest.py makes Celery eager). These start
the worker the run command and docker-compose start, on the test database, with the
configured broker: Redis when CELERY_BROKER_URL is set, otherwise kombu's filesystem
transport in a folder of this test, so a `make run` on the same machine cannot take
the test's messages.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from complaints.models import Complaint, ComplaintEvent, Status
from complaints.services import complaint_create
from config.celery import app as celery_app
from dispositions.models import Disposition
from dispositions.tasks import route_complaint, route_stranded_complaints

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).parent / "celery"
TIMEOUT = 60.0
# Nothing listens on port 1: publishing there fails as it does while Redis is down.
DEAD_BROKER = "redis://127.0.0.1:1/0"
SUCCEEDED = re.compile(r"Task (\S+)\[[\w-]+\] succeeded in [\d.]+s: '?([\w]+)'?")


def _database_url() -> str:
    """The test database (not the development one) as a URL the worker's settings read."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def publishing_to(url: str, transport_options: dict[str, Any]) -> Iterator[None]:
    """Send this process's tasks to another broker for the duration of the block."""
    conf = celery_app.conf
    saved = conf.get("broker_write_url"), conf.broker_transport_options
    conf.broker_write_url, conf.broker_transport_options = url, transport_options
    # Forget pooled connections made with the old settings, as Celery does after a fork.
    celery_app._after_fork()
    try:
        yield
    finally:
        conf.broker_write_url, conf.broker_transport_options = saved
        celery_app._after_fork()


class Worker:
    """One real worker process; its log is kept to explain a failure and count tasks."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--queues=default,intake,notify",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def succeeded(self, task_name: str) -> list[str]:
        """The return values the worker logged for `task_name`, in order."""
        return [m[2] for m in SUCCEEDED.finditer(self.log()) if m[1] == task_name]

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log()}")
            time.sleep(0.25)
        pytest.fail(f"{what}: not within {TIMEOUT:.0f} s. Worker log:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            # The main process only: a warm shutdown, it stops its own pool processes.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[[], Worker]]:
    """Route this test's tasks to a real worker; call the fixture to start it."""
    var_dir = tmp_path / "var"
    broker_url = settings.CELERY_BROKER_URL
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if broker_url.startswith("filesystem://"):
        broker = var_dir / "broker"
        for sub in ("queue", "processed", "control"):
            (broker / sub).mkdir(parents=True)
        options.update(
            data_folder_in=str(broker / "queue"),
            data_folder_out=str(broker / "queue"),
            processed_folder=str(broker / "processed"),
            control_folder=str(broker / "control"),
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        # The worker's settings put the filesystem broker under SIGAP_VAR_DIR/broker.
        "SIGAP_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []

    def start() -> Worker:
        workers.append(Worker(env, tmp_path / f"worker-{len(workers)}.log"))
        return workers[-1]

    celery_app.conf.task_always_eager = False
    with publishing_to(broker_url, options):
        # Messages a failed earlier run left on a shared Redis must not reach this worker.
        celery_app.control.purge()
        yield start
        for worker in workers:
            worker.stop()


def _status(complaint: Complaint) -> str:
    return Complaint.objects.values_list("status", flat=True).get(pk=complaint.pk)


def _road_complaint(world) -> Complaint:
    return complaint_create(
        channel="web",
        text="Jalan berlubang di depan SD Sukarasa, motor sering jatuh.",
        category=world.road,
        area=world.sukarasa,
    )


def test_it_routes_a_new_complaint_through_the_real_worker(world, start_worker):
    worker = start_worker()
    # complaint_create's after-commit hook has put the routing task on the broker;
    # with Celery no longer eager, only the worker process can run it.
    complaint = _road_complaint(world)

    worker.wait_until(lambda: _status(complaint) == Status.ASSIGNED, "routed to an agency")

    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg
    disposition = Disposition.objects.get(complaint=complaint)
    assert disposition.agency == world.roads_bdg
    assert disposition.state == Disposition.State.PENDING
    assert disposition.rule is not None


def test_it_opens_one_disposition_when_the_routing_task_arrives_twice(world, start_worker):
    complaint = _road_complaint(world)
    # A second delivery of the same task, as a broker redelivers after a lost ack.
    route_complaint.delay(complaint.pk)
    # Both messages wait on the broker; two pool processes may take them at once.
    worker = start_worker()

    worker.wait_until(
        lambda: len(worker.succeeded("dispositions.route_complaint")) == 2, "both deliveries ran"
    )

    assert sorted(worker.succeeded("dispositions.route_complaint")) == [
        "already_routed",
        "assigned",
    ]
    assert (
        Disposition.objects.filter(complaint=complaint, state__in=Disposition.OPEN_STATES).count()
        == 1
    )
    assert (
        ComplaintEvent.objects.filter(complaint=complaint, to_status=Status.ASSIGNED).count() == 1
    )


def test_the_sweeper_routes_a_complaint_created_while_the_broker_was_down(
    world, start_worker, caplog
):
    caplog.set_level(logging.ERROR, logger="complaints.hooks")
    with publishing_to(DEAD_BROKER, {"socket_connect_timeout": 1}):
        complaint = _road_complaint(world)
    # The request still succeeded; the lost enqueue is only logged.
    assert _status(complaint) == Status.NEW
    assert "the sweeper will catch up" in caplog.text

    worker = start_worker()
    route_stranded_complaints.delay(older_than_seconds=0)

    worker.wait_until(lambda: _status(complaint) == Status.ASSIGNED, "routed by the sweeper")
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg
    worker.wait_until(
        lambda: worker.succeeded("dispositions.route_stranded_complaints") == ["1"],
        "the sweeper reported one complaint",
    )
