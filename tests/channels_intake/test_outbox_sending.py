"""The outbox sends each reply once: retries, backoff, claims, sweeps, WhatsApp templates."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_intake import outbox
from channels_intake.models import OutboundMessage
from complaints.services import complaint_create

from .outbox_support import CITIZEN, PHONE_ID, TOKEN, State, enqueue, row, whatsapp_complaint


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
