"""The outbox and the WhatsApp sender, against a local server playing the Cloud API."""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_intake import messages, outbox
from channels_intake.hooks import on_complaint_created, on_complaint_transitioned
from channels_intake.models import OutboundMessage
from complaints.lifecycle import Actor, complaint_transition
from complaints.models import Agency, Complaint
from complaints.services import complaint_create, complaint_mark_duplicate

PHONE_ID = "1122334455667"
TOKEN = "test-access-token"
CITIZEN = "+6281234567890"
State = OutboundMessage.State


class FakeCloudApi:
    """POST /v21.0/{phone_id}/messages: records each request, answers from a script."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(raw),
                    }
                )
                status, answer = (
                    api.script.pop(0)
                    if api.script
                    else (200, {"messages": [{"id": f"wamid.X{len(api.requests)}"}]})
                )
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloud_api(settings):
    api = FakeCloudApi()
    settings.WHATSAPP_API_BASE = api.base
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_ID
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    yield api
    api.stop()


def whatsapp_complaint(**extra) -> Complaint:
    return complaint_create(
        channel="whatsapp", text="Ada masalah di depan rumah", reporter_phone=CITIZEN, **extra
    )


def enqueue(body: str = "Sigap: uji", key: str = "k1", complaint=None) -> OutboundMessage:
    return outbox.outbound_enqueue(
        channel="whatsapp",
        recipient=CITIZEN,
        body=body,
        dedupe_key=key,
        complaint=complaint,
        template_name=messages.WHATSAPP_TEMPLATE,
        template_params=[body],
    )


def row(key: str, **extra) -> OutboundMessage:
    """A message as the outbox stores it, made without enqueueing its send."""
    return OutboundMessage.objects.create(
        channel="whatsapp",
        recipient=CITIZEN,
        body="x",
        dedupe_key=key,
        template_name=messages.WHATSAPP_TEMPLATE,
        template_params=["x"],
        **extra,
    )


def test_it_acknowledges_a_whatsapp_complaint_through_the_cloud_api(
    world, cloud_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = whatsapp_complaint()

    ack = OutboundMessage.objects.get(complaint=complaint, kind="ack")
    assert ack.state == State.SENT
    assert ack.provider_message_id.startswith("wamid.X")
    assert ack.sent_at is not None and not ack.sent_as_template
    link = "https://lapor.bandung.go.id" + reverse(
        "complaints:track", args=[complaint.public_token]
    )
    assert ack.body == f"Sigap: laporan {complaint.tracking_code} diterima. Pantau: {link}"
    request = next(r for r in cloud_api.requests if r["json"]["text"]["body"] == ack.body)
    assert request["path"] == f"/v21.0/{PHONE_ID}/messages"
    assert request["authorization"] == f"Bearer {TOKEN}"
    assert request["content_type"] == "application/json"
    assert request["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": "text",
        "to": "6281234567890",
        "text": {"body": ack.body, "preview_url": False},
    }


def test_it_sends_nothing_for_a_web_complaint(world, cloud_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint_create(channel="web", text="Ada masalah", reporter_phone=CITIZEN)
    assert not OutboundMessage.objects.exists()
    assert cloud_api.requests == []


def test_it_retries_a_server_error_and_sends_once(
    db, cloud_api, django_capture_on_commit_callbacks
):
    cloud_api.script = [(500, {"error": {"message": "temporarily down"}})]
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert message.state == State.SENT
    assert message.attempts == 2
    assert message.provider_message_id == "wamid.X2"
    assert len(cloud_api.requests) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_it_backs_off_on_temporary_errors(db, cloud_api, status):
    message = row("t")
    cloud_api.script = [(status, {"error": {}})]
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.retry_in == outbox.BACKOFF_BASE_SECONDS
    assert message.state == State.PENDING
    assert message.next_attempt_at > timezone.now()
    assert f"HTTP {status}" in message.last_error


def test_the_backoff_doubles(db):
    assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_it_gives_up_after_five_temporary_errors(db, cloud_api, django_capture_on_commit_callbacks):
    cloud_api.script = [(502, {})] * 10
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert len(cloud_api.requests) == outbox.MAX_ATTEMPTS


def test_a_network_error_is_temporary(db, settings, cloud_api):
    cloud_api.stop()
    message = row("n")
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.state == State.PENDING
    assert "Network error" in message.last_error


def test_a_client_error_fails_without_retry(db, cloud_api, django_capture_on_commit_callbacks):
    cloud_api.script = [(400, {"error": {"message": "Invalid parameter", "code": 100}})]
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue()
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.attempts == 1
    assert "HTTP 400" in message.last_error and "Invalid parameter" in message.last_error
    assert len(cloud_api.requests) == 1


def test_two_workers_claiming_one_message_make_one_send(db, cloud_api):
    message = row("c")
    first = outbox.outbound_claim(message_id=message.pk)
    second = outbox.outbound_claim(message_id=message.pk)
    assert first is not None and first.state == State.SENDING
    assert second is None
    # A redelivered task (the first worker died; acks_late) finds it claimed and stops.
    assert outbox.outbound_send(message_id=message.pk).state == "not_claimed"
    assert cloud_api.requests == []


def test_a_message_stuck_in_sending_is_flagged_not_resent(db, cloud_api):
    message = row("s")
    assert outbox.outbound_claim(message_id=message.pk) is not None

    early = outbox.outbound_sweep(now=timezone.now() + timedelta(minutes=5))
    message.refresh_from_db()
    assert early.unknown_outcome == 0 and message.state == State.SENDING

    report = outbox.outbound_sweep(now=timezone.now() + timedelta(minutes=11))
    message.refresh_from_db()
    assert report.unknown_outcome == 1
    assert message.state == State.FAILED
    assert message.last_error.startswith("Unknown outcome")
    assert cloud_api.requests == []


def test_the_sweeper_sends_a_pending_message_whose_task_was_lost(db, cloud_api):
    message = row("l")
    assert outbox.outbound_sweep().requeued == []  # its own task may still be on the way
    report = outbox.outbound_sweep(now=timezone.now() + timedelta(minutes=2))
    message.refresh_from_db()
    assert report.requeued == [message.pk]
    assert message.state == State.SENT
    assert len(cloud_api.requests) == 1


def test_outside_the_24_hour_window_a_template_is_sent(world, cloud_api):
    complaint = whatsapp_complaint()
    message = enqueue(body="Sigap: laporan selesai", complaint=complaint)
    later = timezone.now() + timedelta(hours=25)

    assert outbox.outbound_send(message_id=message.pk, now=later).state == State.SENT
    message.refresh_from_db()
    assert message.sent_as_template
    assert cloud_api.requests[-1]["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "template",
        "template": {
            "name": "sigap_update",
            "language": {"code": "id"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Sigap: laporan selesai"}]}
            ],
        },
    }


def test_inside_the_window_a_text_is_sent(world, cloud_api):
    complaint = whatsapp_complaint()
    message = enqueue(complaint=complaint)
    outbox.outbound_send(message_id=message.pk, now=timezone.now() + timedelta(hours=23))
    assert cloud_api.requests[-1]["json"]["type"] == "text"


def test_without_credentials_the_log_sender_marks_sent_and_nothing_leaves(
    world, settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_PHONE_NUMBER_ID = ""

    def no_network(*args, **kwargs):
        raise AssertionError("the embedded default must not open a connection")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with (
        caplog.at_level("INFO", logger="channels_intake.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        complaint = whatsapp_complaint()
    ack = OutboundMessage.objects.get(complaint=complaint, kind="ack")
    assert ack.state == State.SENT
    assert ack.provider_message_id.startswith("local.")
    assert ack.body in caplog.text


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
    from datetime import timedelta

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
