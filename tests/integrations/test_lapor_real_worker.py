"""The LAPOR! bridge with real processes: a Celery worker, the broker, the database and
the fake national server, which goes down for a while and comes back."""

from __future__ import annotations

import pytest

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Complaint, Status
from integrations.models import Delivery
from integrations.tasks import lapor_pull, sweep_deliveries
from tests.test_real_worker import start_worker  # noqa: F401 - the fixture

from .fake_lapor import FakeLapor, disposition

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def national(monkeypatch, settings):
    server = FakeLapor()
    for name, value in {
        "LAPOR_BASE_URL": server.base,
        "LAPOR_TOKEN": server.token,
        "DELIVERY_BACKOFF_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)  # the worker's settings read these
    settings.LAPOR_BASE_URL, settings.LAPOR_TOKEN = server.base, server.token
    settings.DELIVERY_BACKOFF_SECONDS = 1
    yield server
    server.stop()


@pytest.fixture
def worker(national, start_worker):  # noqa: F811 - national first: the worker reads its env
    return start_worker()


def actions(server: FakeLapor, tracking_id: str) -> list[str]:
    return [u["action"] for u in server.updates_for(tracking_id)]


def test_updates_reach_lapor_exactly_once_after_it_was_down(world, national, worker, staff_roads):
    national.dispositions.append(disposition("LAP-REAL-0001"))
    lapor_pull.delay()
    worker.wait_until(
        lambda: Complaint.objects.filter(status=Status.ASSIGNED).exists(), "filed and routed"
    )
    worker.wait_until(lambda: actions(national, "LAP-REAL-0001") == ["route"], "route sent")
    complaint = Complaint.objects.get()
    assert complaint.lapor_link.lapor_id == "LAP-REAL-0001"

    national.stop()  # the national server is down
    for action in ("accept", "start"):
        complaint.refresh_from_db()
        complaint_transition(complaint=complaint, action=action, actor=Actor.for_user(staff_roads))
    tried = Delivery.objects.filter(kind=Delivery.Kind.LAPOR, payload__action="accept")
    worker.wait_until(
        lambda: tried.filter(attempts__gte=2, state=Delivery.State.PENDING).exists(),
        "retried while LAPOR! is down",
    )
    national.start()  # back on the same address
    worker.wait_until(
        lambda: actions(national, "LAP-REAL-0001") == ["route", "accept", "start"],
        "the updates after the outage",
    )
    sweep_deliveries.delay()
    worker.wait_until(
        lambda: "integrations.sweep_deliveries" in worker.log(), "a sweep after delivery"
    )
    worker.wait_until(
        lambda: len(worker.succeeded("integrations.sweep_deliveries")) == 1, "the sweep ran"
    )
    assert actions(national, "LAP-REAL-0001") == ["route", "accept", "start"]
    assert set(
        Delivery.objects.filter(kind=Delivery.Kind.LAPOR).values_list("state", flat=True)
    ) == {Delivery.State.DELIVERED}
