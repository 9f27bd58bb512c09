"""The Twilio SMS webhook end to end: Twilio's signature, TwiML answers, storage, processing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator
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
    PATH,
    PUBLIC_BASE,
    PUBLIC_URL,
    SMS_SID,
    FakeProvider,
    fixture,
    post_twilio,
    twilio_signature,
)

State = InboundMessage.State
EMPTY_TWIML = str(MessagingResponse())


@pytest.fixture(autouse=True)
def _twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_FROM_NUMBER = ""
    settings.SMS_GATEWAY_SEND_URL = ""
    settings.PUBLIC_BASE_URL = PUBLIC_BASE


@pytest.fixture
def twilio_api(settings):
    api = FakeProvider()
    settings.TWILIO_API_BASE = api.base
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    yield api
    api.stop()


def form(**fields: str) -> bytes:
    base = {
        "ToCountry": "ID",
        "SmsMessageSid": fields.get("MessageSid", SMS_SID),
        "NumMedia": "0",
        "SmsSid": fields.get("MessageSid", SMS_SID),
        "SmsStatus": "received",
        "Body": "halo",
        "FromCountry": "ID",
        "To": FROM_NUMBER,
        "NumSegments": "1",
        "MessageSid": SMS_SID,
        "AccountSid": ACCOUNT_SID,
        "From": CITIZEN,
        "ApiVersion": "2010-04-01",
    }
    base.update(fields)
    return urlencode(base).encode()


def twiml_message(response) -> str | None:
    """The <Message> text of a TwiML answer (None for an empty <Response/>)."""
    root = ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text


# --- Our validator is Twilio's ---------------------------------------------------------------


def test_it_signs_twilios_published_vector():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert RequestValidator("12345").compute_signature(url, params) == expected
    assert twilio.sign(url, params.items(), "12345") == expected
    raw = urlencode(params).encode()
    assert twilio.verify_signature(raw, url=url, signature=expected, auth_token="12345")


@pytest.mark.parametrize(
    "raw",
    [
        fixture("sms"),
        fixture("mms"),
        fixture("status_undelivered"),
        # Repeated names (sorted by value), a repeated identical pair (counted once by
        # Twilio), blanks, and text that only decodes as UTF-8.
        b"b=2&a=z&a=y&a=y&Body=&c=%C3%A9%F0%9F%98%A7+x%2By",
    ],
)
@pytest.mark.parametrize(
    "url",
    [PUBLIC_URL, "https://lapor.bandung.go.id:443/webhooks/twilio/", PUBLIC_URL + "?kanal=sms"],
)
def test_our_signature_agrees_with_twilios_request_validator(raw, url):
    validator = RequestValidator(AUTH_TOKEN)
    theirs = twilio_signature(raw, url)
    assert twilio.sign(url, twilio.form_fields(raw), AUTH_TOKEN) == theirs
    # Both accept the URL with and without the default port, and nothing else.
    for candidate in (url, url.replace(":443", ""), url.replace(".go.id/", ".go.id:443/")):
        assert twilio.verify_signature(
            raw, url=candidate, signature=theirs, auth_token=AUTH_TOKEN
        ) == validator.validate(candidate, QueryDict(raw.decode()), theirs)
    assert not twilio.verify_signature(raw, url=url, signature=theirs, auth_token="other")
    assert not twilio.verify_signature(
        raw, url=url.replace("lapor", "lapor2"), signature=theirs, auth_token=AUTH_TOKEN
    )


def test_the_public_url_ignores_the_host_and_keeps_the_query():
    assert twilio.public_url("https://lapor.bandung.go.id/", PATH) == PUBLIC_URL
    assert twilio.public_url(PUBLIC_BASE, PATH, "a=1&b=%20") == PUBLIC_URL + "?a=1&b=%20"


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_everything_without_an_auth_token(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    response = post_twilio(client, fixture("sms"))
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_missing_signature_is_forbidden(client):
    response = client.post(
        PATH, data=fixture("sms"), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_tampered_parameter_is_forbidden_and_nothing_is_stored(client):
    raw = fixture("sms")
    tampered = raw.replace(b"Braga", b"Dago")
    response = post_twilio(client, tampered, signature=twilio_signature(raw))
    assert response.status_code == 403
    # An added parameter breaks it too: Twilio signs every parameter, not a list of them.
    added = post_twilio(client, raw + b"&Extra=1", signature=twilio_signature(raw))
    assert added.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_signature_with_another_token_is_forbidden(client):
    raw = fixture("sms")
    response = post_twilio(client, raw, signature=twilio_signature(raw, token="not-ours"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_host_header_plays_no_part_behind_a_proxy(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    raw = fixture("sms")
    # The proxy hands over its internal name; the public URL still verifies.
    response = post_twilio(
        client,
        raw,
        HTTP_HOST="10.0.0.5:8000",
        HTTP_X_FORWARDED_HOST="attacker.example",
    )
    assert response.status_code == 200
    # A signature over the URL Django sees (the Host header) is not Twilio's: refused.
    spoofed = post_twilio(client, raw, sign_url="http://testserver" + PATH)
    assert spoofed.status_code == 403
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_query_string_is_part_of_the_signed_url(client):
    raw = fixture("sms")
    signed_with_query = post_twilio(
        client, raw, query="kanal=sms", sign_url=PUBLIC_URL + "?kanal=sms"
    )
    assert signed_with_query.status_code == 200
    other = raw.replace(SMS_SID.encode(), b"SM00000000000000000000000000000001")
    assert post_twilio(client, other, query="kanal=sms").status_code == 403


@pytest.mark.django_db
def test_another_account_is_forbidden(client, settings):
    settings.TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
    response = post_twilio(client, fixture("sms"))
    assert response.status_code == 403
    assert "AccountSid" in response.json()["error"]
    settings.TWILIO_ACCOUNT_SID = ""  # not configured: the signature alone decides
    assert post_twilio(client, fixture("sms")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"From=%2B6281234567890&Body=halo&AccountSid=" + ACCOUNT_SID.encode(), "MessageSid"),
        (form(NumMedia="many"), "NumMedia"),
        (form(NumMedia="1"), "MediaUrl0"),
    ],
)
def test_a_signed_malformed_form_is_a_400_with_a_reason(client, raw, reason):
    response = post_twilio(client, raw)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_bytes_that_are_not_utf8_are_refused(client):
    # Twilio percent-encodes UTF-8; anything else cannot carry its signature.
    raw = b"Body=%FF%FE&MessageSid=SM1&From=%2B6281234567890"
    response = post_twilio(client, raw, signature=twilio.sign(PUBLIC_URL, [], AUTH_TOKEN))
    assert response.status_code == 403
    with pytest.raises(PayloadError, match="UTF-8"):
        twilio.parse(raw)


def test_only_post_is_allowed(client):
    assert client.get(PATH).status_code == 405


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
