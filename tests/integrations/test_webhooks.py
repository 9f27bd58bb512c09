"""Signed outbound webhooks against a local HTTP receiver: events, signatures, retries,
no retry on 4xx, PII rules, the admin's failure view and re-send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Channel
from complaints.services import complaint_create
from integrations import delivery
from integrations.models import Delivery, WebhookEvent, WebhookSubscription
from integrations.webhooks.transport import new_secret
from tests.channels_intake.fake_provider import FakeProvider, json_answer

pytestmark = pytest.mark.django_db
ALL_EVENTS = [e.value for e in WebhookEvent]


@pytest.fixture
def receiver():
    server = FakeProvider()
    server.routes[("POST", "/hook")] = lambda r: json_answer({"ok": True})
    yield server
    server.stop()


def subscribe(receiver, *, events=ALL_EVENTS, personal=False, path="/hook"):
    return WebhookSubscription.objects.create(
        name="SIMPEG Kota Bandung",
        url=receiver.base + path,
        secret=new_secret(),
        events=events,
        include_personal_data=personal,
    )


def make(world, **kw):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return complaint_create(
            channel=Channel.WEB,
            text="Jalan berlubang di Jl. Dago, hubungi saya 081234567890",
            category=world.road,
            area=world.dago,
            latitude=-6.885312,
            longitude=107.613145,
            reporter_name="Siti Rahma",
            reporter_phone="081234567890",
            **kw,
        )


def test_created_and_routed_are_signed_and_public(world, receiver):
    subscription = subscribe(receiver)
    complaint = make(world)
    types = [r.json()["type"] for r in receiver.requests]
    assert types == ["complaint.created", "complaint.routed", "complaint.status_changed"]
    for request in receiver.requests:
        # The receiver's check, with the library any receiver would use.
        payload = Webhook(subscription.secret).verify(request.body, request.headers)
        assert payload["data"]["tracking_code"] == complaint.tracking_code
        assert "081234567890" not in request.body.decode()
        assert "reporter" not in payload["data"]
        assert payload["data"]["latitude"] == -6.885
    routed = receiver.requests[1].json()["data"]
    assert routed["agency"] == world.roads_bdg.slug
    assert Delivery.objects.filter(state=Delivery.State.DELIVERED).count() == 3


def test_a_tampered_or_replayed_body_fails_verification(world, receiver):
    subscription = subscribe(receiver, events=[WebhookEvent.CREATED])
    make(world)
    request = receiver.requests[0]
    with pytest.raises(Exception, match="signature"):
        Webhook(subscription.secret).verify(request.body + b" ", request.headers)
    old = {**request.headers, "webhook-timestamp": str(int(timezone.now().timestamp()) - 3600)}
    with pytest.raises(Exception, match="too old"):
        Webhook(subscription.secret).verify(request.body, old)


def test_personal_data_only_when_granted(world, receiver):
    subscribe(receiver, events=[WebhookEvent.CREATED], personal=True)
    subscribe(receiver, events=[WebhookEvent.CREATED], personal=False)
    make(world)
    make(world, is_anonymous=True)
    make(world, is_confidential=True)
    bodies = [r.json()["data"] for r in receiver.requests]
    granted = [b for b in bodies if "reporter" in b]
    public = [b for b in bodies if "reporter" not in b]
    assert len(granted) == 3 and len(public) == 2  # the confidential one only when granted
    assert granted[0]["reporter"]["phone"] == "+6281234567890"
    assert "081234567890" in granted[0]["text"]
    assert granted[1]["reporter"] is None and granted[2]["reporter"] is None  # anonymity kept


def test_closed_event(world, receiver, staff_roads):
    subscribe(receiver, events=[WebhookEvent.CLOSED])
    complaint = make(world)
    complaint.refresh_from_db()
    actor = Actor.for_user(staff_roads)
    with TestCase.captureOnCommitCallbacks(execute=True):
        for action in ("accept", "start", "resolve"):
            complaint_transition(complaint=complaint, action=action, actor=actor, note="Selesai")
        complaint_transition(complaint=complaint, action="confirm", actor=Actor(kind="citizen"))
    assert [r.json()["type"] for r in receiver.requests] == ["complaint.closed"]


def test_5xx_retries_with_backoff_and_the_same_id(world, receiver):
    answers = iter([503, 500, 200])
    receiver.routes[("POST", "/hook")] = lambda r: json_answer({}, status=next(answers))
    subscribe(receiver, events=[WebhookEvent.CREATED])
    make(world)
    row = Delivery.objects.get()
    assert row.state == Delivery.State.PENDING and row.attempts == 1
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=25)
    # Not due yet: the sweeper leaves it; later it sends again.
    assert delivery.delivery_sweep() == []
    later = timezone.now() + timedelta(hours=1)
    assert delivery.delivery_send(delivery_id=row.pk, now=later).state == "pending"
    assert delivery.delivery_send(delivery_id=row.pk, now=later + timedelta(hours=1)).state == (
        "delivered"
    )
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert [a.response_status for a in row.tries.all()] == [503, 500, 200]


def test_4xx_is_not_retried_and_an_admin_resends(world, receiver, admin_user, client):
    receiver.routes[("POST", "/hook")] = lambda r: json_answer({"error": "bad"}, status=410)
    subscribe(receiver, events=[WebhookEvent.CREATED])
    make(world)
    row = Delivery.objects.get()
    assert row.state == Delivery.State.FAILED and row.attempts == 1
    assert "410" in row.last_error
    client.force_login(admin_user)
    page = client.get("/admin/integrations/delivery/")
    assert page.status_code == 200 and b"complaint.created" in page.content  # failures first
    receiver.routes[("POST", "/hook")] = lambda r: json_answer({"ok": True})
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post(
            "/admin/integrations/delivery/",
            {"action": "resend", "_selected_action": [row.pk]},
        )
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.state == Delivery.State.DELIVERED
    assert len(receiver.requests) == 2


def test_a_receiver_that_is_down_is_retried_and_a_stuck_send_is_freed(world):
    server = FakeProvider()
    base = server.base
    server.stop()  # nothing listens there now
    WebhookSubscription.objects.create(
        name="down", url=base + "/hook", secret=new_secret(), events=[WebhookEvent.CREATED]
    )
    make(world)
    row = Delivery.objects.get()
    assert row.state == Delivery.State.PENDING
    assert "Connection" in row.tries.get().error
    Delivery.objects.filter(pk=row.pk).update(
        state=Delivery.State.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        assert delivery.delivery_sweep() == [row.pk]
    assert Delivery.objects.get(pk=row.pk).state == Delivery.State.PENDING


def test_the_same_hook_twice_stores_one_delivery(world, receiver):
    from integrations.webhooks.events import on_complaint_created

    subscribe(receiver, events=[WebhookEvent.CREATED])
    complaint = make(world)
    assert on_complaint_created(complaint_id=complaint.pk) == 0
    assert Delivery.objects.count() == 1


def test_admin_makes_the_secret(admin_user, client, world):
    client.force_login(admin_user)
    response = client.post(
        "/admin/integrations/webhooksubscription/add/",
        {
            "name": "Dashboard Provinsi",
            "url": "https://dashboard.jabarprov.go.id/hooks/sigap",
            "events": ["complaint.created", "complaint.closed"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    assert subscription.events == ["complaint.created", "complaint.closed"]
    bad = client.post(
        "/admin/integrations/webhooksubscription/add/",
        {"name": "x", "url": "http://example.com/", "events": ["complaint.created"]},
    )
    assert bad.status_code == 200 and WebhookSubscription.objects.count() == 1
