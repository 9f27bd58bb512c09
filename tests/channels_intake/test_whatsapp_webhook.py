"""The WhatsApp webhook end to end: Meta's handshake, signatures, storage, processing."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.normalized import Kind
from channels_intake.providers.whatsapp import adapter as whatsapp
from complaints.models import Channel, Complaint, Reporter, Status

from .whatsapp_helpers import APP_SECRET, URL, VERIFY_TOKEN, fixture, post, signature

State = InboundMessage.State
TEXT_WAMID = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDMEE0"


@pytest.fixture(autouse=True)
def _whatsapp_settings(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN


# --- GET handshake -------------------------------------------------------------------------


def test_it_answers_the_handshake_with_the_raw_challenge(client):
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": VERIFY_TOKEN,
    }
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "wrong"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN},
        {"hub.challenge": "1"},
    ],
)
def test_it_forbids_a_wrong_handshake(client, query):
    assert client.get(URL, query).status_code == 403


def test_it_forbids_the_handshake_when_no_token_is_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    query = {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""}
    assert client.get(URL, query).status_code == 403


# --- POST: refusals ------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_everything_without_an_app_secret(client, settings):
    settings.WHATSAPP_APP_SECRET = ""
    response = post(client, fixture("text"), sign_with="")
    assert response.status_code == 503
    assert "WHATSAPP_APP_SECRET" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_missing_signature_is_forbidden(client):
    response = post(client, fixture("text"), sign_with=None)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_tampered_body_is_forbidden_and_nothing_is_stored(client):
    raw = fixture("text")
    tampered = raw.replace(b"berlubang", b"mulus")
    response = post(client, tampered, header=signature(raw))
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_signature_made_with_another_secret_is_forbidden(client):
    assert post(client, fixture("text"), sign_with="not-the-secret").status_code == 403


@pytest.mark.django_db
def test_malformed_json_is_a_400_with_a_reason(client):
    response = post(client, b'{"object": "whatsapp_business_account", "entry": [')
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_payload_of_another_object_is_a_400(client):
    raw = json.dumps({"object": "page", "entry": []}).encode()
    response = post(client, raw)
    assert response.status_code == 400
    assert "whatsapp_business_account" in response.json()["error"]


def test_only_get_and_post_are_allowed(client):
    assert client.put(URL).status_code == 405


# --- POST: storing then processing ---------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_message_is_stored_before_anything_is_processed(client):
    raw = fixture("text")
    # pytest-django runs no on-commit callbacks here: nothing is enqueued, only stored.
    response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert message.channel == Channel.WHATSAPP
    assert message.provider_message_id == TEXT_WAMID
    assert message.state == State.RECEIVED
    assert bytes(message.body) == raw  # exactly the bytes Meta signed
    assert message.sender_id == "ID.13491208655302741918"
    assert message.headers["X-Hub-Signature-256"] == signature(raw)
    assert message.headers["Content-Type"] == "application/json"
    assert not Complaint.objects.exists()


def test_a_signed_message_becomes_a_routed_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("text"))
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.state == State.PROCESSED
    assert message.attempts == 1
    assert message.processed_at is not None
    complaint = message.complaint
    assert complaint.channel == Channel.WHATSAPP
    # The optional LAPOR keyword is dropped from the text.
    assert complaint.text == "jalan berlubang di Jl. Merdeka – bahaya 😧"
    assert complaint.reporter.phone == "+6281234567890"
    assert complaint.reporter.name == "Budi Santoso"
    # The routing hook ran after the complaint's commit; a bare text has no area, so a
    # person places it: routed to triage.
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE


def test_the_emoji_message_verifies_over_the_escaped_bytes(client, world):
    raw = fixture("text")
    assert b"\\ud83d\\ude27" in raw  # escaped as Meta sends it, not raw UTF-8
    assert whatsapp.verify_signature(raw, signature(raw), APP_SECRET)
    # Re-serializing the parsed JSON changes the bytes, so it must NOT verify.
    redumped = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not whatsapp.verify_signature(redumped, signature(raw), APP_SECRET)
    assert post(client, raw).status_code == 200


def test_a_redelivered_message_creates_nothing_new(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("text")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, raw)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 0}
    assert callbacks == []  # nothing enqueued again
    assert InboundMessage.objects.count() == 1
    assert Complaint.objects.count() == 1


def test_a_user_without_a_phone_number_becomes_a_reporter_with_a_handle(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("bsuid_only"))
    complaint = InboundMessage.objects.get().complaint
    reporter = complaint.reporter
    assert reporter.phone == ""
    assert reporter.name == "Dewi"
    handle = ReporterHandle.objects.get()
    assert (handle.channel, handle.handle, handle.reporter) == (
        Channel.WHATSAPP,
        "ID.55501208655302740001",
        reporter,
    )

    # The next message from the same BSUID finds the same reporter.
    raw = fixture("bsuid_only").replace(b"wamid.BSUID001", b"wamid.BSUID002")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, raw)
    assert Complaint.objects.count() == 2
    assert set(Complaint.objects.values_list("reporter", flat=True)) == {reporter.pk}
    assert Reporter.objects.count() == 1


def test_a_status_update_is_stored_and_ignored(client, world, django_capture_on_commit_callbacks):
    # The reply the status is about: the status updates it and creates nothing.
    reply = OutboundMessage.objects.create(
        channel=Channel.WHATSAPP,
        recipient="+6281234567890",
        body="Aduan Anda selesai.",
        state=OutboundMessage.State.SENT,
        sent_at=timezone.now(),
        provider_message_id="wamid.OUT-CONFIRM-1",
        delivery_status="sent",
        dedupe_key="test:status",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("status_failed"))
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.provider_message_id == "wamid.OUT-CONFIRM-1:failed"
    assert message.state == State.IGNORED
    assert message.complaint is None
    assert not Complaint.objects.exists()
    reply.refresh_from_db()
    assert reply.delivery_status == "failed"


def test_an_image_and_a_location_in_one_delivery_are_two_complaints(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("image_and_location")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, raw)
    assert response.json() == {"received": 2, "new": 2}
    image = InboundMessage.objects.get(provider_message_id="wamid.IMG001")
    location = InboundMessage.objects.get(provider_message_id="wamid.LOC001")
    assert bytes(image.body) == bytes(location.body) == raw
    assert image.complaint.text == "Sampah menumpuk"
    assert str(location.complaint.latitude) == "-6.208800"
    assert str(location.complaint.longitude) == "106.845600"
    assert location.complaint.address == "Pasar Minggu, Jakarta Selatan"
    assert image.complaint.reporter == location.complaint.reporter


def test_a_button_reply_is_stored_but_makes_no_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("button_reply"))
    assert InboundMessage.objects.get().state == State.IGNORED
    assert not Complaint.objects.exists()


# --- The adapter on its own ----------------------------------------------------------------


def test_it_parses_text_with_the_bsuid_phone_and_name():
    (message,) = whatsapp.parse(fixture("text"))
    assert message.kind == Kind.MESSAGE
    assert message.provider_message_id == TEXT_WAMID
    assert message.sender_id == "ID.13491208655302741918"
    assert message.sender_phone == "+6281234567890"
    assert message.sender_name == "Budi Santoso"
    assert message.text.endswith("bahaya 😧")
    assert message.timestamp == 1714550400


def test_it_parses_media_with_their_ids():
    image, location = whatsapp.parse(fixture("image_and_location"))
    assert image.attachments[0].media_id == "1479537139650973"
    assert image.attachments[0].mime_type == "image/jpeg"
    assert image.attachments[0].kind == "image"
    assert (location.latitude, location.longitude) == (-6.2088, 106.8456)
    document, audio = whatsapp.parse(fixture("document_audio"))
    assert (document.text, document.attachments[0].kind) == ("Surat keterangan", "document")
    assert (audio.text, audio.attachments[0].media_id) == ("", "2000000000000002")


def test_it_parses_button_and_list_replies():
    (button,) = whatsapp.parse(fixture("button_reply"))
    assert (button.text, button.reply_id, button.reply_to) == (
        "Ya, benar",
        "confirm_yes",
        "wamid.OUT-CONFIRM-1",
    )
    (row,) = whatsapp.parse(fixture("list_reply"))
    assert (row.text, row.reply_id) == ("Jalan", "kat_jalan")
    (template,) = whatsapp.parse(fixture("template_button"))
    assert (template.text, template.reply_id) == ("Puas", "survey_puas")


def test_it_parses_a_status_with_its_errors():
    (status,) = whatsapp.parse(fixture("status_failed"))
    assert status.kind == Kind.STATUS
    assert status.status_for == "wamid.OUT-CONFIRM-1"
    assert status.status == "failed"
    assert status.status_recipient == "6281234567890"
    assert status.status_errors == ("131047: Re-engagement message",)


def test_a_bsuid_only_user_has_no_phone():
    (message,) = whatsapp.parse(fixture("bsuid_only"))
    assert message.sender_id == "ID.55501208655302740001"
    assert message.sender_phone == ""


def test_a_reaction_has_no_content():
    (reaction,) = whatsapp.parse(fixture("reaction"))
    assert reaction.message_type == "reaction"
    assert not reaction.has_content


def test_other_fields_carry_no_messages():
    raw = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "account_update", "value": {}}]}],
        }
    ).encode()
    assert whatsapp.parse(raw) == []
