"""Twilio SMS stored, answered in TwiML and processed; the adapter on its own."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.twiml.messaging_response import MessagingResponse

from channels_intake import keywords
from channels_intake.models import InboundMessage, OutboundMessage
from channels_intake.normalized import Kind, PayloadError
from channels_intake.providers.registry import parser_for
from channels_intake.providers.twilio import adapter as twilio
from complaints.models import Channel, Complaint
from complaints.services import complaint_create

from .sms_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CITIZEN,
    FROM_NUMBER,
    MMS_SID,
    PUBLIC_BASE,
    PUBLIC_URL,
    SMS_SID,
    fixture,
    post_twilio,
    twilio_signature,
)
from .sms_support import EMPTY_TWIML, State, form, twiml_message

pytestmark = pytest.mark.usefixtures("_twilio_settings")


# --- Storing, answering and processing ---------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_sms_is_stored_and_answered_with_empty_twiml(client):
    raw = fixture("sms")
    response = post_twilio(client, raw)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode() == EMPTY_TWIML
    assert twiml_message(response) is None
    message = InboundMessage.objects.get()
    assert message.channel == Channel.SMS
    assert message.provider_message_id == SMS_SID
    assert bytes(message.body) == raw  # the exact bytes Twilio signed
    assert message.sender_id == message.reply_address == CITIZEN
    assert message.headers["X-Twilio-Signature"] == twilio_signature(raw)
    assert message.headers["X-Sigap-Signed-Url"] == PUBLIC_URL
    assert message.state == State.RECEIVED
    assert not Complaint.objects.exists()


def test_indonesian_text_with_emoji_verifies(client, world):
    raw = fixture("sms")
    assert b"%F0%9F%98%A7" in raw and b"%E2%80%93" in raw  # as Twilio percent-encodes UTF-8
    assert twilio.verify_signature(
        raw, url=PUBLIC_URL, signature=twilio_signature(raw), auth_token=AUTH_TOKEN
    )
    (message,) = twilio.parse(raw)
    assert message.text.endswith("– lubang besar, bahaya buat motor 😧")
    assert post_twilio(client, raw).status_code == 200


def test_an_sms_becomes_a_complaint_and_is_acknowledged_by_sms(
    client, world, twilio_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_twilio(client, fixture("sms"))
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.state == State.PROCESSED
    complaint = message.complaint
    assert complaint.channel == Channel.SMS
    # The LAPOR keyword is dropped; the rest is the citizen's own words.
    assert complaint.text == (
        "jalan rusak di Jl. Braga depan No. 12 – lubang besar, bahaya buat motor 😧"
    )
    assert complaint.reporter.phone == CITIZEN

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient) == (Channel.SMS, CITIZEN)
    assert ack.state == OutboundMessage.State.SENT
    assert complaint.tracking_code in ack.body
    (sent,) = twilio_api.requests
    assert sent.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent.form == {
        "To": CITIZEN,
        "From": FROM_NUMBER,
        "Body": ack.body,
        # Delivery reports come back to this same webhook (PUBLIC_BASE_URL is https).
        "StatusCallback": PUBLIC_URL,
    }
    assert ack.provider_message_id == f"SM{1:032x}"


def test_a_redelivered_sms_creates_nothing_new(client, world, django_capture_on_commit_callbacks):
    raw = fixture("sms")
    with django_capture_on_commit_callbacks(execute=True):
        post_twilio(client, raw)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_twilio(client, raw)
    assert response.status_code == 200
    assert twiml_message(response) is None
    assert callbacks == []  # nothing enqueued again
    assert InboundMessage.objects.count() == 1
    assert Complaint.objects.count() == 1
    assert OutboundMessage.objects.count() == 1  # the one acknowledgment


def test_an_mms_carries_its_media(client, world, django_capture_on_commit_callbacks):
    raw = fixture("mms")
    (parsed,) = twilio.parse(raw)
    assert parsed.message_type == "image"
    image, video = parsed.attachments
    assert (image.media_id, image.mime_type, image.kind) == (f"{MMS_SID}:0", "image/jpeg", "image")
    assert image.url.startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert image.url.endswith("/Media/ME0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    assert (video.media_id, video.kind) == (f"{MMS_SID}:1", "video")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_twilio(client, raw).status_code == 200
    complaint = InboundMessage.objects.get().complaint
    assert complaint.text == "Sampah menumpuk di pinggir Sungai Cikapundung"
    assert complaint.reporter.phone == "+6285712345678"


def test_a_delivery_report_of_our_sms_updates_the_outbox_and_makes_nothing(
    client, world, django_capture_on_commit_callbacks
):
    reply = OutboundMessage.objects.create(
        channel=Channel.SMS,
        recipient=CITIZEN,
        body="Sigap: ...",
        state=OutboundMessage.State.SENT,
        sent_at=timezone.now(),
        provider_message_id="SMb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6",
        delivery_status="sent",
        dedupe_key="test:sms-status",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_twilio(client, fixture("status_delivered"))
    assert twiml_message(response) is None
    stored = InboundMessage.objects.get()
    assert stored.provider_message_id == "SMb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6:delivered"
    assert stored.state == State.IGNORED
    assert not Complaint.objects.exists()
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered"

    (failed,) = twilio.parse(fixture("status_undelivered"))
    assert (failed.kind, failed.status, failed.status_errors) == (
        Kind.STATUS,
        "failed",
        ("30003: undelivered",),
    )


@pytest.mark.django_db
def test_whatsapp_through_twilio_is_not_this_channel(client):
    response = post_twilio(client, form(From="whatsapp:+6281234567890"))
    assert response.status_code == 200
    assert twiml_message(response) is None
    assert not InboundMessage.objects.exists()


# --- Keywords answered in TwiML --------------------------------------------------------------


def test_cek_from_the_reporter_is_answered_in_twiml_with_the_link_and_recorded_once(client, world):
    complaint = complaint_create(channel="sms", text="Lampu jalan mati", reporter_phone=CITIZEN)
    raw = form(Body=f"cek {complaint.tracking_code.lower()}")
    first = post_twilio(client, raw)
    again = post_twilio(client, raw)  # Twilio redelivers (a #rc= override, a timeout)

    expected = keywords.status_text(complaint.tracking_code, reveal_link=True)
    assert complaint.tracking_code in expected
    assert reverse("complaints:track", args=[complaint.public_token]) in expected
    assert twiml_message(first) == twiml_message(again) == expected
    twiml = MessagingResponse()
    twiml.message(expected)
    assert first.content.decode() == str(twiml)  # byte for byte what Twilio's library writes
    (row,) = OutboundMessage.objects.all()
    assert row.dedupe_key == f"keyword:sms:{SMS_SID}"
    assert row.provider_message_id == f"twiml:{SMS_SID}"
    assert (row.channel, row.recipient, row.body) == (Channel.SMS, CITIZEN, expected)
    assert row.state == OutboundMessage.State.SENT
    assert row.complaint == complaint
    # Stored for the inbox like any other message, once.
    assert InboundMessage.objects.count() == 1


def test_cek_from_another_phone_shows_the_status_without_the_link(client, world):
    complaint = complaint_create(channel="sms", text="Lampu jalan mati", reporter_phone=CITIZEN)
    response = post_twilio(
        client, form(Body=f"STATUS {complaint.tracking_code}", From="+6285799990000")
    )
    answer = twiml_message(response)
    assert answer == keywords.status_text(complaint.tracking_code, reveal_link=False)
    assert str(complaint.public_token) not in answer
    row = OutboundMessage.objects.get()
    assert row.recipient == "+6285799990000"
    assert row.complaint is None


def test_info_is_answered_with_help(client, world):
    response = post_twilio(client, form(Body="info"))
    assert twiml_message(response) == keywords.help_text(PUBLIC_BASE)
    assert OutboundMessage.objects.get().body == keywords.help_text(PUBLIC_BASE)


def test_a_keyword_answer_is_escaped_xml(client, world):
    response = post_twilio(client, form(Body="CEK <A&B>\x01"))
    answer = twiml_message(response)  # parses: the XML is well formed
    assert "<A&B>" in answer
    assert b"&lt;A&amp;B&gt;" in response.content


# --- The adapter on its own ------------------------------------------------------------------


def test_the_sms_parser_reads_twilio_forms():
    (message,) = parser_for("twilio")(fixture("sms"))
    assert message.channel == Channel.SMS
    assert message.kind == Kind.MESSAGE
    assert message.provider_message_id == SMS_SID
    assert message.sender_id == message.sender_phone == message.reply_address == CITIZEN
    assert message.message_type == "text"
    assert message.attachments == ()


@pytest.mark.parametrize(
    ("sender", "phone"),
    [
        ("+6281234567890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("006281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("TELKOMSEL", ""),
        ("1708", ""),
    ],
)
def test_senders_are_normalized_to_e164_when_they_are_numbers(sender, phone):
    (message,) = twilio.parse(form(From=sender))
    assert message.sender_phone == phone
    assert message.sender_id == message.reply_address == (phone or sender)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("LAPOR sampah menumpuk", "sampah menumpuk"),
        ("lapor: sampah menumpuk", "sampah menumpuk"),
        ("sampah menumpuk", "sampah menumpuk"),
        ("CEK AB12CD34", "CEK AB12CD34"),  # kept whole: answered, never filed
    ],
)
def test_the_lapor_keyword_is_optional_and_dropped(body, text):
    (message,) = twilio.parse(form(Body=body))
    assert message.text == text


def test_parse_raises_a_readable_error():
    with pytest.raises(PayloadError, match="MessageSid"):
        twilio.parse(b"From=%2B6281234567890")
