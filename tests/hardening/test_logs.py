"""Logs without personal data: a phone number, an email and a NIK sent through every
channel and the web form reach no log line; each line carries the request id."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from django.urls import reverse

from config.log_context import (
    PersonalDataFilter,
    mask_address,
    redact,
    request_id,
)
from tests.channels_intake import email_helpers, sms_helpers, whatsapp_helpers
from tests.complaints.test_web_form import form_data

from .corpus import configure_every_channel

pytestmark = pytest.mark.django_db

PHONE, PHONE_DIGITS = "0812-3456-7890", "81234567890"
EMAIL = "siti.rahayu.private@example.id"
NIK = "3273015708900002"
TEXT = f"Jalan rusak. NIK saya {NIK}, hubungi {PHONE} atau {EMAIL}."


@pytest.fixture
def log_output():
    """What the configured console handler writes, at DEBUG, for the length of a test."""
    root = logging.getLogger()
    (handler,) = [
        h for h in root.handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)
    ]
    buffer = io.StringIO()
    old_stream, old_level = handler.setStream(buffer), root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        handler.setStream(old_stream)
        root.setLevel(old_level)


def assert_no_personal_data(text: str) -> None:
    for secret in (NIK, EMAIL, PHONE, PHONE_DIGITS, "6281234567890", "+6281234567890"):
        assert secret not in text, f"{secret} reached the log:\n{text}"


@pytest.mark.parametrize(
    "text",
    [
        f"to {PHONE} / +62 812 3456 7890 / 6281234567890 / +6281234567890",
        f"nik {NIK}",
        f"mail <{EMAIL}>",
    ],
)
def test_redact_removes_phones_nik_and_emails(text):
    assert_no_personal_data(redact(text))


def test_redact_keeps_what_is_not_personal():
    text = (
        "complaint 12345 ABCD-2345 at 2026-12-05 10:00:00 took 0.25 s, port 6379, "
        "succeeded in 0.1734155690006038s, in 0.0812345678901234s, "
        "task[de7deab2-b860-4b1d-a129-9d6e9a80e1e1]"
    )
    assert redact(text) == text


def test_recipients_are_masked():
    assert mask_address("+6281234567890") == "***890"
    assert mask_address(EMAIL) == "s***@example.id"


def test_personal_data_sent_through_every_channel_reaches_no_log(
    client, world, settings, log_output, django_capture_on_commit_callbacks
):
    configure_every_channel(settings)
    # Replies go to the log senders (no credentials), which write the recipient masked.
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.TWILIO_ACCOUNT_SID = ""
    settings.SMS_GATEWAY_SEND_URL = ""

    delivery = json.loads(whatsapp_helpers.fixture("text"))
    value = delivery["entry"][0]["changes"][0]["value"]
    value["contacts"][0].update(wa_id="6281234567890")
    value["contacts"][0].pop("user_id", None)
    value["messages"][0].update(
        {"from": "6281234567890", "timestamp": str(int(time.time())), "text": {"body": TEXT}}
    )
    postmark = email_helpers.postmark_payload("postmark_inbound")
    postmark.update(TextBody=TEXT, From=EMAIL, FromFull={"Email": EMAIL, "Name": "Siti"})
    with django_capture_on_commit_callbacks(execute=True):
        answers = {
            "web-form": client.post(
                reverse("complaints:new"),
                form_data(world, text=TEXT, phone=PHONE, email=EMAIL),
            ),
            "api": client.post(
                "/api/v1/complaints/",
                {
                    "text": TEXT,
                    "category": "jalan-rusak",
                    "reporter": {"name": "Siti", "phone": PHONE, "email": EMAIL},
                },
                content_type="application/json",
            ),
            "whatsapp": whatsapp_helpers.post(client, json.dumps(delivery).encode()),
            "sms-gateway": client.post(
                "/webhooks/sms-gateway/",
                {"from": "+6281234567890", "message": TEXT, "id": "gw-1"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {sms_helpers.GATEWAY_TOKEN}"},
            ),
            "postmark": client.post(
                email_helpers.POSTMARK_URL,
                json.dumps(postmark),
                content_type="application/json",
                headers={"Authorization": email_helpers.basic_auth()},
            ),
        }
    assert {name: a.status_code for name, a in answers.items()} == {
        "web-form": 302,
        "api": 201,
        "whatsapp": 200,
        "sms-gateway": 200,
        "postmark": 200,
    }
    written = log_output.getvalue()
    assert "Outbox (log only" in written  # the replies were logged, masked
    assert_no_personal_data(written)


def test_each_line_carries_the_request_id_given_or_made(client, world, log_output):
    response = client.get("/lacak/", headers={"X-Request-ID": "abc12345-given"})
    assert response["X-Request-ID"] == "abc12345-given"
    made = client.get("/lacak/", headers={"X-Request-ID": "bad id; drop table"})
    assert len(made["X-Request-ID"]) == 32
    logging.getLogger("sigap.test").info("outside a request")
    assert "[-] outside a request" in log_output.getvalue()
    token = request_id.set("req-123456")
    try:
        logging.getLogger("sigap.test").info("inside")
    finally:
        request_id.reset(token)
    assert "[req-123456] inside" in log_output.getvalue()


def test_the_console_mail_backend_prints_no_address_or_nik(capsys, settings):
    settings.EMAIL_BACKEND = "config.log_context.RedactingConsoleEmailBackend"
    from django.core.mail import send_mail

    send_mail("Aduan", TEXT, "aduan@lapor.bandung.go.id", [EMAIL])
    printed = capsys.readouterr().out
    assert "Subject: Aduan" in printed
    assert_no_personal_data(printed)
