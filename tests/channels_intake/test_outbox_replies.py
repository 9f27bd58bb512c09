"""What the citizen hears after each event, delivery statuses, the admin and the schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_intake import messages, outbox
from channels_intake.hooks import on_complaint_created, on_complaint_transitioned
from channels_intake.models import OutboundMessage
from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Agency, Complaint
from complaints.services import complaint_create, complaint_mark_duplicate

from .outbox_support import CITIZEN, State, row, whatsapp_complaint


def route_road_complaint(world, capture) -> Complaint:
    """A WhatsApp complaint about a road in Sukarasa, routed (after commit) to roads_bdg."""
    with capture(execute=True):
        complaint = whatsapp_complaint(category=world.road, area=world.sukarasa)
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg
    return complaint


def test_it_tells_the_citizen_of_route_start_and_resolve(
    world, staff_roads, cloud_api, django_capture_on_commit_callbacks
):
    world.roads_bdg.short_name = "DSDABM"
    world.roads_bdg.save()
    complaint = route_road_complaint(world, django_capture_on_commit_callbacks)
    staff = Actor.for_user(staff_roads)
    with django_capture_on_commit_callbacks(execute=True):
        complaint_transition(complaint=complaint, action="start", actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        complaint_transition(complaint=complaint, action="resolve", actor=staff, note="Ditambal")

    sent = list(
        OutboundMessage.objects.filter(complaint=complaint)
        .order_by("id")
        .values_list("kind", "body", "state")
    )
    code = complaint.tracking_code
    link = messages.tracking_link(complaint)
    assert sent == [
        ("ack", f"Sigap: laporan {code} diterima. Pantau: {link}", "sent"),
        ("status", f"Sigap: laporan {code} diteruskan ke DSDABM. {link}", "sent"),
        ("status", f"Sigap: laporan {code} sedang ditangani DSDABM. {link}", "sent"),
        (
            "followup",
            f"Sigap: laporan {code} dinyatakan selesai. Konfirmasi, atau buka lagi jika "
            f"belum beres: {link}",
            "sent",
        ),
    ]
    assert len(cloud_api.requests) == 4


def test_the_agencys_question_reaches_the_citizen(
    world, staff_roads, cloud_api, django_capture_on_commit_callbacks
):
    complaint = route_road_complaint(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        complaint_transition(
            complaint=complaint,
            action="request_info",
            actor=Actor.for_user(staff_roads),
            note="Di depan nomor rumah berapa?",
        )
    question = OutboundMessage.objects.get(complaint=complaint, kind="question")
    assert question.body == (
        f"Sigap: pertanyaan soal {complaint.tracking_code}: Di depan nomor rumah berapa? "
        f"Jawab: {messages.tracking_link(complaint)}"
    )
    assert question.state == State.SENT


def test_merged_reporters_hear_of_the_masters_progress(
    world, operator, staff_roads, cloud_api, django_capture_on_commit_callbacks
):
    master = route_road_complaint(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = complaint_create(
            channel="whatsapp", text="Jalan yang sama rusak", reporter_phone="+6285712345678"
        )
    duplicate.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        complaint_mark_duplicate(complaint=duplicate, into=master, actor=Actor.for_user(operator))
    with django_capture_on_commit_callbacks(execute=True):
        complaint_transition(complaint=master, action="start", actor=Actor.for_user(staff_roads))
    started = OutboundMessage.objects.filter(complaint=master, kind="status").order_by("id")
    assert sorted(m.recipient for m in started if "ditangani" in m.body) == [
        "+6281234567890",
        "+6285712345678",
    ]


def test_the_same_event_twice_makes_one_message(
    world, cloud_api, django_capture_on_commit_callbacks
):
    complaint = route_road_complaint(world, django_capture_on_commit_callbacks)
    event = complaint.events.get(action="route")
    before = OutboundMessage.objects.count()
    # The core's hooks again, as a retried or replayed event would run them.
    with django_capture_on_commit_callbacks(execute=True):
        on_complaint_transitioned(complaint_id=complaint.pk, action="route", event_id=event.pk)
        on_complaint_created(complaint_id=complaint.pk)
    assert OutboundMessage.objects.count() == before
    assert len(cloud_api.requests) == before


def test_every_citizen_message_fits_one_sms(world, english):
    agency = Agency.objects.create(
        slug="panjang",
        name="Dinas Pekerjaan Umum dan Penataan Ruang Kota Bandung " * 2,
        level="city",
    )
    complaint = whatsapp_complaint()
    complaint.agency = agency
    bodies = [messages.ack_text(complaint)]
    bodies += [messages.status_text(complaint, action=a) for a in messages.STATUS]
    bodies.append(messages.question_text(complaint, question="Mohon kirim foto lagi. " * 20))
    for body in bodies:
        assert len(body) <= messages.SMS_MAX, body
        assert complaint.tracking_code in body
        assert messages.tracking_link(complaint) in body
        assert "laporan" in body or "pertanyaan" in body  # Indonesian even under English UI
    assert messages.status_text(complaint, action="accept") is None


def test_delivery_statuses_never_move_backwards(db):
    OutboundMessage.objects.create(
        channel="whatsapp",
        recipient=CITIZEN,
        body="x",
        dedupe_key="d",
        state=State.SENT,
        sent_at=timezone.now(),
        provider_message_id="wamid.D",
        delivery_status="sent",
    )
    assert outbox.outbound_delivery_update(provider_message_id="wamid.D", status="read")
    assert not outbox.outbound_delivery_update(provider_message_id="wamid.D", status="delivered")
    assert OutboundMessage.objects.get().delivery_status == "read"


def test_the_admin_sends_failed_messages_again(
    admin_user, client, cloud_api, django_capture_on_commit_callbacks
):
    message = row(
        "a",
        state=State.FAILED,
        attempts=5,
        last_error=outbox.UNKNOWN_OUTCOME,
    )
    client.force_login(admin_user)
    url = reverse("admin:channels_intake_outboundmessage_changelist")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry_failed", "_selected_action": [message.pk]})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == State.SENT and message.attempts == 1
    assert len(cloud_api.requests) == 1


def test_the_sweeper_runs_every_minute_and_expires(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]
    assert entry["task"] == "channels_intake.sweep_outbox"
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] < 60


def test_replies_are_hooked_to_the_core_events():
    from complaints import hooks

    assert on_complaint_created in hooks.handlers(hooks.COMPLAINT_CREATED)
    assert on_complaint_transitioned in hooks.handlers(hooks.COMPLAINT_TRANSITIONED)


@pytest.mark.django_db
def test_the_window_follows_the_citizens_last_inbound_message_not_our_statuses(world):

    from django.utils import timezone

    from channels_intake.models import InboundMessage
    from channels_intake.selectors import whatsapp_window_open

    now = timezone.now()
    assert not whatsapp_window_open(recipient="+6281234567890", now=now)
    InboundMessage.objects.create(
        channel="whatsapp",
        provider_message_id="wamid.status:delivered",
        sender_id="6281234567890",
        body=b"{}",
    )
    assert not whatsapp_window_open(recipient="+6281234567890", now=now)
    InboundMessage.objects.create(
        channel="whatsapp", provider_message_id="wamid.hello", sender_id="6281234567890", body=b"{}"
    )
    assert whatsapp_window_open(recipient="+6281234567890", now=now)
    assert not whatsapp_window_open(recipient="+6281234567890", now=now + timedelta(hours=25))
