"""Telegram webhook: refusals, then storing and processing updates."""

from __future__ import annotations

import json

import pytest

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.providers.telegram import adapter as telegram
from complaints.models import Channel, Complaint, Reporter

from .telegram_helpers import (
    BOT_TOKEN,
    CHAT_ID,
    SECRET_TOKEN,
    fixture,
    post,
)
from .telegram_support import State

pytestmark = pytest.mark.usefixtures("_telegram_settings")


# --- Webhook: refusals ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("unset", ["TELEGRAM_SECRET_TOKEN", "TELEGRAM_BOT_TOKEN"])
def test_it_refuses_everything_while_the_bot_is_not_configured(client, settings, unset):
    setattr(settings, unset, "")
    response = post(client, fixture("text"))
    assert response.status_code == 503
    assert unset in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_delivery_without_the_secret_token_is_forbidden(client):
    response = post(client, fixture("text"), secret=None)
    assert response.status_code == 403
    assert "X-Telegram-Bot-Api-Secret-Token" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["wrong-token", SECRET_TOKEN[:-1], SECRET_TOKEN + "x", ""])
def test_a_wrong_secret_token_is_forbidden(client, secret):
    assert post(client, fixture("text"), secret=secret).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_forged_update_is_forbidden_and_nothing_is_stored(client):
    # Telegram signs no body: a tampered update is only refused for lacking the secret,
    # which the forger does not have (docs/channels/telegram.md).
    forged = fixture("text").replace(b"Jalan berlubang", b"Semua baik")
    assert post(client, forged, secret="guessed").status_code == 403
    assert post(client, forged, secret=None).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"update_id":861234501,"message":{', "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"message":{"message_id":1}}', "no integer update_id"),
        (b'{"update_id":1,"message":{"message_id":1,"date":1}}', "Unexpected payload shape"),
    ],
)
def test_a_malformed_update_is_a_400_with_a_reason(client, raw, reason):
    response = post(client, raw)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_only_post_is_allowed(client):
    assert client.get("/webhooks/telegram/").status_code == 405


# --- Webhook: storing then processing ------------------------------------------------------


@pytest.mark.django_db
def test_an_update_is_stored_before_anything_is_processed(client):
    raw = fixture("text")
    response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert message.channel == Channel.TELEGRAM
    assert message.provider_message_id == f"{CHAT_ID}:42"
    assert message.sender_id == str(CHAT_ID)
    assert message.reply_address == str(CHAT_ID)
    assert message.state == State.RECEIVED
    assert bytes(message.body) == raw
    # The secret token is a credential: checked, never kept with the message.
    assert message.headers == {"Content-Type": "application/json"}
    assert SECRET_TOKEN not in json.dumps(message.headers)
    assert not Complaint.objects.exists()


def test_an_emoji_message_is_accepted_as_utf8_and_as_escaped_json(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("text")
    assert "😧🚧".encode() in raw
    escaped = json.dumps(json.loads(raw), ensure_ascii=True, separators=(",", ":")).encode()
    assert b"\\ud83d\\ude27" in escaped
    assert telegram.parse(raw) == telegram.parse(escaped)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, escaped).status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.text == "Jalan berlubang di Jl. Merdeka depan SDN 5 – bahaya 😧🚧"
    # The same message in the other encoding is the same message.
    assert post(client, raw).json() == {"received": 1, "new": 0}


def test_a_redelivered_update_creates_nothing_new(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("text")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, raw)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, raw)
    assert response.json() == {"received": 1, "new": 0}
    assert callbacks == []
    # After a bot reset Telegram numbers updates afresh; the message is still the same one.
    renumbered = raw.replace(b'"update_id":861234501', b'"update_id":1')
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post(client, renumbered).json() == {"received": 1, "new": 0}
    assert callbacks == []
    assert InboundMessage.objects.count() == 1
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["from_bot", "group", "channel_post", "my_chat_member"])
def test_bots_groups_channels_and_membership_changes_are_ignored(client, name):
    response = post(client, fixture(name))
    assert response.status_code == 200  # a refusal would make Telegram retry
    assert response.json() == {"received": 0, "new": 0}
    assert not InboundMessage.objects.exists()


def test_a_photo_becomes_a_complaint_acknowledged_in_the_chat(
    client, world, bot_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("photo"))
    assert response.json() == {"received": 1, "new": 1}

    message = InboundMessage.objects.get()
    assert message.state == State.PROCESSED
    complaint = message.complaint
    assert complaint.channel == Channel.TELEGRAM
    assert complaint.text == "Sampah menumpuk di pinggir Sungai Cikapundung"
    assert complaint.reporter.name == "Budi Santoso"
    handle = ReporterHandle.objects.get()
    assert (handle.channel, handle.handle, handle.reporter) == (
        Channel.TELEGRAM,
        str(CHAT_ID),
        complaint.reporter,
    )

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (Channel.TELEGRAM, str(CHAT_ID), "")
    assert complaint.tracking_code in ack.body
    assert ack.state == OutboundMessage.State.SENT
    (request,) = bot_api.calls("sendMessage")
    assert request["token"] == BOT_TOKEN
    assert request["json"] == {"chat_id": str(CHAT_ID), "text": ack.body}
    assert ack.provider_message_id == f"{CHAT_ID}:901"


def test_the_next_message_of_the_same_user_finds_the_same_reporter(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("text"))
        post(client, fixture("location"))
    assert Complaint.objects.count() == 2
    assert Reporter.objects.count() == 1
    located = Complaint.objects.get(latitude__isnull=False)
    assert (str(located.latitude), str(located.longitude)) == ("-6.914744", "107.609811")


def test_an_edit_is_stored_as_its_own_delivery(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("text"))
        response = post(client, fixture("edited_message"))
    assert response.json() == {"received": 1, "new": 1}
    ids = set(InboundMessage.objects.values_list("provider_message_id", flat=True))
    assert ids == {f"{CHAT_ID}:42", f"{CHAT_ID}:42:edited:1714550460"}


def test_a_button_tap_is_stored_but_makes_no_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("callback_query"))
    message = InboundMessage.objects.get()
    assert message.provider_message_id == "callback:2152980743893476317"
    assert message.state == State.IGNORED
    assert not Complaint.objects.exists()
