"""Redis down: WhatsApp webhooks are still answered and stored, and processed when it returns.

Real processes, as production runs them (tests/processes.py): a private redis-server on a
free port (never the machine's Redis on 6379), gunicorn serving the app, a Celery worker
and Celery beat, all on the test database (SQLite file or PostgreSQL, as the suite runs).
The test stops Redis between two deliveries and starts it again; the stranded-inbound
sweeper, a beat entry, relays what the webhook could not enqueue. See docs/resilience.md.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from channels_intake.models import InboundMessage
from complaints.models import Channel, Complaint
from scripts.local_redis import redis_installed

from .processes import (
    BOOT_TIMEOUT,
    PROCESS_TIMEOUT,
    ROOT,
    Stack,
    group_members,
    whatsapp_text,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not redis_installed(), reason="redis-server is not installed"),
]

NOT_ENQUEUED = "Could not enqueue inbound message"
State = InboundMessage.State


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
    assert {name: group_members(pid) for name, pid in pids.items()} == {name: [] for name in pids}


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
