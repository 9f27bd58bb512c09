"""Chaos with real processes (issue 11): concurrent redeliveries and a worker killed with
SIGKILL in the middle of routing and of sending a reply. Nothing lost, nothing done twice.

The processes are the ones tests/processes.py starts (a private redis-server on a
free port, gunicorn, a Celery worker) on the test database. Assertions are counts in the
database and requests the local provider received, never log lines. Run with `make chaos`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection

from channels_intake.models import InboundMessage, OutboundMessage
from complaints.models import Channel, Complaint
from dispositions.models import Disposition
from scripts.local_redis import redis_installed
from tests.channels_intake.fake_provider import FakeProvider, json_answer
from tests.chaos.stack import PROCESS_TIMEOUT
from tests.processes import whatsapp_text

Kind = OutboundMessage.Kind
OutState = OutboundMessage.State

pytestmark = [
    pytest.mark.slow,
    pytest.mark.chaos,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not redis_installed(), reason="redis-server is not installed"),
]


def test_the_same_webhook_delivered_20_times_at_once_is_one_complaint_and_one_reply(chaos, world):
    stack = chaos()
    stack.start_all()
    phone = "6281299990001"
    raw = whatsapp_text(
        wamid=f"wamid.CHAOS{uuid.uuid4().hex}", phone=phone, name="Siti", text="Lampu mati."
    )

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _n: stack.post_whatsapp(raw), range(20)))

    assert [status for status, _body in answers] == [200] * 20
    assert sum(body["new"] for _status, body in answers) == 1

    def acknowledged() -> bool:
        return OutboundMessage.objects.filter(
            kind=Kind.ACK, complaint__reporter__phone=f"+{phone}", state=OutState.SENT
        ).exists()

    stack.wait_for(acknowledged, "the complaint acknowledged", PROCESS_TIMEOUT)
    stack.wait_for(stack.broker_idle, "every task done", PROCESS_TIMEOUT)
    assert InboundMessage.objects.filter(channel=Channel.WHATSAPP).count() == 1
    assert Complaint.objects.filter(reporter__phone=f"+{phone}").count() == 1
    assert OutboundMessage.objects.filter(complaint__reporter__phone=f"+{phone}").count() == 1


class BlockingGraphApi:
    """Meta's Graph API on localhost whose first send hangs until released: the worker is
    caught in the middle of sending a reply."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.provider = FakeProvider()
        self.provider.routes[("POST", "/")] = self._send

    def _send(self, request):
        if not self.reached.is_set():
            self.reached.set()
            self.release.wait(PROCESS_TIMEOUT)
        return json_answer({"messages": [{"id": f"wamid.OUT{uuid.uuid4().hex}"}]})

    @property
    def sends(self) -> int:
        return sum(1 for r in self.provider.requests if r.path.endswith("/messages"))

    def close(self) -> None:
        self.release.set()
        self.provider.server.shutdown()


def test_a_worker_killed_while_sending_a_reply_never_sends_it_twice(chaos, world):
    api = BlockingGraphApi()
    try:
        stack = chaos(
            WHATSAPP_ACCESS_TOKEN="chaos-token",
            WHATSAPP_PHONE_NUMBER_ID="1000000001",
            WHATSAPP_API_BASE=api.provider.base,
        )
        stack.start_all()
        phone = "6281299990002"
        raw = whatsapp_text(
            wamid=f"wamid.KILL{uuid.uuid4().hex}", phone=phone, name="Budi", text="Banjir."
        )
        assert stack.post_whatsapp(raw)[0] == 200

        assert api.reached.wait(PROCESS_TIMEOUT), stack.logs()
        stack.kill_worker()
        api.release.set()
        (reply,) = OutboundMessage.objects.filter(complaint__reporter__phone=f"+{phone}")
        assert reply.state == OutState.SENDING  # the dead worker never learnt the answer

        stack.start_worker()
        # The killed worker's message comes back after the visibility timeout and is
        # taken and acknowledged by the new worker.
        stack.wait_for(stack.broker_idle, "the redelivered send done", PROCESS_TIMEOUT)

        assert api.sends == 1  # the citizen got one message, not two
        assert OutboundMessage.objects.filter(complaint__reporter__phone=f"+{phone}").count() == 1
        assert Complaint.objects.filter(reporter__phone=f"+{phone}").count() == 1
    finally:
        api.close()


@contextlib.contextmanager
def routing_blocked() -> Iterator[None]:
    """Hold the database so a worker's routing stops at its first write: SQLite's write
    lock, or on PostgreSQL an exclusive lock on the dispositions table."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        blocker = sqlite3.connect(db["NAME"], timeout=30, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    conninfo = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']}"
    with psycopg.connect(f"{conninfo} user={db['USER']}") as blocker:
        blocker.execute("LOCK TABLE dispositions_disposition IN ACCESS EXCLUSIVE MODE")
        yield
        blocker.rollback()


def test_a_worker_killed_in_the_middle_of_routing_routes_once_after_restart(chaos, world):
    stack = chaos()
    stack.start_redis()
    stack.start_web()
    body = json.dumps(
        {
            "text": "Jalan berlubang besar di depan SD Sukarasa, motor sering jatuh.",
            "category": "jalan-rusak",
            "area_code": "32.73.01.1001",
            "reporter": {"name": "Siti", "phone": "0812-9999-0003"},
        }
    ).encode()
    request = urllib.request.Request(
        f"{stack.base}/api/v1/complaints/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 201
    complaint = Complaint.objects.get(reporter__phone="+6281299990003")

    with routing_blocked():
        stack.start_worker()
        # The worker has taken the routing task and is stuck in it, unacknowledged.
        stack.wait_for(
            lambda: stack.broker().llen("default") == 0 and stack.broker().hlen("unacked") > 0,
            "the worker in the middle of routing",
            PROCESS_TIMEOUT,
        )
        stack.kill_worker()
    assert not Disposition.objects.filter(complaint=complaint).exists()

    stack.start_worker()
    stack.wait_for(stack.broker_idle, "the redelivered routing done", PROCESS_TIMEOUT)
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg
    assert Disposition.objects.filter(complaint=complaint).count() == 1
