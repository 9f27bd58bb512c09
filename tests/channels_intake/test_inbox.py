"""The raw inbox: store first, process once, retry what may pass, park what needs a person."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from channels_intake import handlers, inbox
from channels_intake.inbox import Outcome, inbound_store
from channels_intake.models import InboundMessage
from channels_intake.normalized import NormalizedMessage
from channels_intake.services import inbound_process
from channels_intake.tasks import process_inbound, relay_stranded_inbound
from complaints.models import Channel, Complaint
from config.celery import app as celery_app

from .whatsapp_helpers import fixture

State = InboundMessage.State
TEXT_WAMID = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE0"


def _store(name: str = "text", provider_message_id: str = TEXT_WAMID) -> InboundMessage:
    message, created = inbound_store(
        channel=Channel.WHATSAPP,
        provider="whatsapp",
        message=NormalizedMessage(
            channel=Channel.WHATSAPP,
            provider_message_id=provider_message_id,
            sender_id="ID.13491208655302741918",
        ),
        body=fixture(name),
        headers={"Content-Type": "application/json"},
    )
    assert created
    return message


class LockedDatabase:
    """complaint_create as it behaves while SQLite is locked by another writer: it raises."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("database is locked")
        return self.real(**kwargs)

    real = staticmethod(handlers.complaint_create)


@pytest.fixture
def eager_retries():
    """Eager tasks that propagate errors also propagate Celery's Retry; let retries run."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


def test_processing_twice_makes_one_complaint(world):
    message = _store()
    assert inbound_process(message_id=message.pk) == Outcome.PROCESSED
    assert inbound_process(message_id=message.pk) == Outcome.SKIPPED
    assert Complaint.objects.count() == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_storing_the_same_provider_id_twice_keeps_the_first(world):
    first = _store()
    again, created = inbound_store(
        channel=Channel.WHATSAPP,
        provider="whatsapp",
        message=NormalizedMessage(
            channel=Channel.WHATSAPP, provider_message_id=TEXT_WAMID, sender_id="someone"
        ),
        body=b"{}",
        headers={},
    )
    assert not created
    assert again.pk == first.pk
    assert bytes(again.body) == fixture("text")


def test_the_same_id_on_another_channel_is_another_message(world):
    _store()
    _message, created = inbound_store(
        channel=Channel.SMS,
        provider="twilio",
        message=NormalizedMessage(
            channel=Channel.SMS, provider_message_id=TEXT_WAMID, sender_id="x"
        ),
        body=b"",
        headers={},
    )
    assert created


def test_a_temporary_failure_is_retried_then_succeeds(world, monkeypatch, eager_retries):
    locked = LockedDatabase(failures=2)
    monkeypatch.setattr(handlers, "complaint_create", locked)
    message = _store()
    process_inbound.delay(message.pk)  # eager: the retries run in-process
    message.refresh_from_db()
    assert locked.calls == 3
    assert message.state == State.PROCESSED
    assert message.attempts == 3
    assert message.last_error == ""
    assert message.complaint is not None


def test_a_failure_that_does_not_pass_parks_the_message_after_five_attempts(
    world, monkeypatch, eager_retries
):
    locked = LockedDatabase(failures=99)
    monkeypatch.setattr(handlers, "complaint_create", locked)
    message = _store()
    process_inbound.delay(message.pk)
    message.refresh_from_db()
    assert locked.calls == inbox.MAX_ATTEMPTS == 5
    assert message.state == State.PARKED
    assert message.attempts == 5
    assert "database is locked" in message.last_error
    assert not Complaint.objects.exists()
    # A parked message stays parked: the sweeper and redeliveries leave it alone.
    assert inbound_process(message_id=message.pk) == Outcome.SKIPPED


def test_a_permanent_failure_parks_at_once(world):
    # Stored under an id its body does not contain: no retry can ever fix that.
    message = _store(provider_message_id="wamid.NOT-IN-THE-BODY")
    assert process_inbound.delay(message.pk).get() == Outcome.PARKED
    message.refresh_from_db()
    assert message.state == State.PARKED
    assert message.attempts == 1
    assert "does not contain this message" in message.last_error


def test_an_empty_message_is_ignored(world):
    message = _store("reaction", provider_message_id="wamid.REACT001")
    assert inbound_process(message_id=message.pk) == Outcome.IGNORED
    message.refresh_from_db()
    assert message.state == State.IGNORED
    assert not Complaint.objects.exists()


def test_a_broker_that_is_down_never_fails_the_store(
    world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(process_inbound, "apply_async", broker_down)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        message = _store()
    message.refresh_from_db()
    assert message.state == State.RECEIVED
    assert "the sweeper will relay it" in caplog.text


def test_the_web_enqueue_does_not_retry_publishing(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    seen = {}

    def record(args, **options):
        seen.update(options, args=args)

    monkeypatch.setattr(process_inbound, "apply_async", record)
    with django_capture_on_commit_callbacks(execute=True):
        message = _store()
    assert seen == {"args": (message.pk,), "retry": False}


def test_the_sweeper_relays_a_stuck_received_message(world):
    stuck = _store()  # its enqueue never ran (no on-commit callbacks here)
    InboundMessage.objects.filter(pk=stuck.pk).update(
        received_at=timezone.now() - timedelta(seconds=45)
    )
    fresh = _store("bsuid_only", provider_message_id="wamid.BSUID001")
    assert relay_stranded_inbound.delay().get() == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == State.PROCESSED
    assert stuck.complaint is not None
    # Younger than 30 s: its own enqueue may still be on the way.
    assert fresh.state == State.RECEIVED


def test_the_sweeper_waits_as_long_as_inbox_relay_after_seconds_says(world, settings):
    stuck = _store()
    InboundMessage.objects.filter(pk=stuck.pk).update(
        received_at=timezone.now() - timedelta(seconds=45)
    )
    settings.INBOX_RELAY_AFTER_SECONDS = 60
    assert relay_stranded_inbound.delay().get() == 0
    settings.INBOX_RELAY_AFTER_SECONDS = 40
    assert relay_stranded_inbound.delay().get() == 1
    stuck.refresh_from_db()
    assert stuck.state == State.PROCESSED


def test_the_sweeper_relays_a_failed_message_whose_retry_was_lost(world):
    lost = _store()
    recent = _store("bsuid_only", provider_message_id="wamid.BSUID001")
    InboundMessage.objects.filter(pk=lost.pk).update(
        state=State.FAILED, attempts=2, received_at=timezone.now() - timedelta(minutes=20)
    )
    # Failed a minute ago: its retry is still on the way, so the sweeper leaves it.
    InboundMessage.objects.filter(pk=recent.pk).update(
        state=State.FAILED, attempts=1, received_at=timezone.now() - timedelta(minutes=1)
    )
    assert relay_stranded_inbound.delay().get() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.state, lost.attempts) == (State.PROCESSED, 3)
    assert recent.state == State.FAILED


def test_a_message_that_is_gone_is_skipped(world):
    assert inbound_process(message_id=987654) == Outcome.SKIPPED


def test_the_sweeper_is_scheduled_with_an_expiry(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["relay-stranded-inbound"]
    assert entry["task"] == "channels_intake.relay_stranded_inbound"
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] == 55


def test_the_admin_replays_a_parked_message(
    client, admin_user, world, monkeypatch, eager_retries, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(handlers, "complaint_create", LockedDatabase(failures=99))
    parked = _store()
    process_inbound.delay(parked.pk)
    processed = _store("bsuid_only", provider_message_id="wamid.BSUID001")
    monkeypatch.undo()
    inbound_process(message_id=processed.pk)
    parked.refresh_from_db()
    assert parked.state == State.PARKED

    client.force_login(admin_user)
    url = reverse("admin:channels_intake_inboundmessage_changelist")
    assert client.get(url).status_code == 200
    assert (
        client.get(
            reverse("admin:channels_intake_inboundmessage_change", args=[parked.pk])
        ).status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"action": "replay", "_selected_action": [parked.pk, processed.pk]},
            follow=True,
        )
    assert response.status_code == 200
    parked.refresh_from_db()
    assert parked.state == State.PROCESSED
    assert parked.complaint is not None
    assert Complaint.objects.count() == 2  # the processed one was not replayed
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "1" in messages[0]


def test_the_admin_cannot_add_edit_or_delete_inbound_messages(client, admin_user, world):
    message = _store()
    client.force_login(admin_user)
    assert client.get(reverse("admin:channels_intake_inboundmessage_add")).status_code == 403
    change = reverse("admin:channels_intake_inboundmessage_change", args=[message.pk])
    client.post(change, {"state": "processed"})
    message.refresh_from_db()
    assert message.state == State.RECEIVED
