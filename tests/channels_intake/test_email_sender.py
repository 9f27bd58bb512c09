"""The email sender: thread headers through Django's backend, and SMTP's answers mapped to
retry or not, against a real SMTP server on localhost."""

from __future__ import annotations

import email
from email import policy

import pytest
from django.utils import timezone

from channels_intake import outbox
from channels_intake.models import OutboundMessage
from channels_intake.providers.email.sender import EmailSender
from channels_intake.providers.registry import can_reply, sender_for
from channels_intake.providers.sending import PermanentSendError
from complaints.models import Channel
from complaints.services import complaint_create

from .email_helpers import FakeSmtpServer, free_port

State = OutboundMessage.State
CITIZEN = "siti.aminah@example.id"
THREAD = "CAJx9Lq0W1sZ4Fq7Y8tLmD3kP2nR5vB6cX7hJ8gK9eQ@mail.example.id"


@pytest.fixture(autouse=True)
def _sender_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "Sigap Kota Bandung <aduan@lapor.bandung.go.id>"


@pytest.fixture
def smtp(settings):
    server = FakeSmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield server
    server.stop()


def row(
    key: str = "e1", *, thread_ref: str = THREAD, complaint=None, kind="ack"
) -> OutboundMessage:
    return OutboundMessage.objects.create(
        channel=Channel.EMAIL,
        recipient=CITIZEN,
        body="Sigap: laporan BDG-24-000123 diterima. Pantau: https://lapor.bandung.go.id/lacak/x/",
        thread_ref=thread_ref,
        kind=kind,
        complaint=complaint,
        dedupe_key=key,
    )


def test_email_always_has_a_sender_decided_by_the_backend():
    assert can_reply(Channel.EMAIL)
    assert isinstance(sender_for(Channel.EMAIL), EmailSender)


@pytest.mark.django_db
def test_it_replies_in_the_thread_through_the_configured_backend(mailoutbox):
    complaint = complaint_create(channel="email", text="Lampu mati", reporter_email=CITIZEN)
    message = row(complaint=complaint)
    result = EmailSender().send(message)
    (mail,) = mailoutbox
    sent = mail.message()
    assert mail.to == [CITIZEN]
    assert mail.body == message.body
    assert sent["Subject"] == f"Sigap: {complaint.tracking_code}"
    assert sent["In-Reply-To"] == f"<{THREAD}>"
    assert sent["References"] == f"<{THREAD}>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    # The provider id is the Message-ID we made, on our own domain, without brackets.
    assert sent["Message-ID"] == f"<{result.provider_message_id}>"
    assert result.provider_message_id.endswith("@lapor.bandung.go.id")


@pytest.mark.django_db
def test_news_without_a_thread_or_complaint_is_a_plain_generated_mail(mailoutbox):
    EmailSender().send(row(thread_ref="", kind="status"))
    sent = mailoutbox[0].message()
    assert sent["Subject"] == "Sigap"
    assert "In-Reply-To" not in sent and "References" not in sent
    assert sent["Auto-Submitted"] == "auto-generated"


@pytest.mark.django_db
def test_it_sends_over_smtp_and_records_the_message_id(smtp):
    message = row()
    assert outbox.outbound_send(message_id=message.pk).state == State.SENT
    message.refresh_from_db()
    (data,) = smtp.received
    received = email.message_from_bytes(data, policy=policy.default)
    assert smtp.recipients == [f"<{CITIZEN}>"]
    assert received["In-Reply-To"] == f"<{THREAD}>"
    assert received["Auto-Submitted"] == "auto-replied"
    assert received["Message-ID"] == f"<{message.provider_message_id}>"
    assert received.get_content().strip() == message.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "reply"),
    [
        ("RCPT", "550 5.1.1 <siti.aminah@example.id>: Recipient address rejected: User unknown"),
        ("DATA", "554 5.7.1 Message rejected as spam"),
        ("MAIL", "553 5.7.1 Sender address rejected: not owned by user"),
    ],
)
def test_a_5xx_fails_for_good_without_a_retry(smtp, step, reply):
    smtp.replies[step] = reply
    message = row()
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert (outcome.state, outcome.retry_in) == (State.FAILED, None)
    assert message.state == State.FAILED
    assert message.attempts == 1
    assert reply.split()[0] in message.last_error
    assert smtp.received == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "reply"),
    [
        ("RCPT", "450 4.2.0 <siti.aminah@example.id>: Recipient address rejected: Greylisted"),
        ("DATA", "451 4.3.0 Temporary local problem, try again later"),
        ("greeting", "421 4.3.2 Service not available, closing transmission channel"),
    ],
)
def test_a_4xx_is_retried_with_backoff(smtp, step, reply):
    smtp.replies[step] = reply
    message = row()
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.retry_in == outbox.BACKOFF_BASE_SECONDS
    assert message.state == State.PENDING
    assert message.next_attempt_at > timezone.now()
    assert reply.split()[0] in message.last_error


@pytest.mark.django_db
def test_an_unreachable_smtp_server_is_temporary(smtp, settings):
    settings.EMAIL_PORT = free_port()
    message = row()
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.state == State.PENDING
    assert "SMTP connection" in message.last_error


@pytest.mark.django_db
def test_after_a_temporary_error_the_retry_sends_once(smtp):
    smtp.replies["DATA"] = "451 4.3.0 Try again later"
    message = row()
    outbox.outbound_send(message_id=message.pk)
    del smtp.replies["DATA"]
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.outbound_send(message_id=message.pk).state == State.SENT
    message.refresh_from_db()
    assert message.attempts == 2
    assert len(smtp.received) == 1


@pytest.mark.django_db
def test_an_address_that_cannot_be_a_header_is_permanent(mailoutbox):
    message = row()
    OutboundMessage.objects.filter(pk=message.pk).update(recipient="warga@example.id\nBcc: x@y.id")
    message.refresh_from_db()
    with pytest.raises(PermanentSendError, match="Bad address"):
        EmailSender().send(message)
    assert mailoutbox == []
