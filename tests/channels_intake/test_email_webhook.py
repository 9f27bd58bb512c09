"""Email webhooks: anymail paths and guards, Mailgun and Postmark deliveries."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse

from channels_intake.models import InboundMedia, InboundMessage
from channels_intake.providers.email import adapter
from channels_intake.providers.email import webhook as email_webhook
from channels_intake.providers.registry import fetcher_for
from complaints.models import Channel

from .email_helpers import (
    MAILGUN_MIME_URL,
    MAILGUN_URL,
    POSTMARK_URL,
    WEBHOOK_SECRET,
    fixture,
    mailgun_fields,
    post_mailgun,
    post_postmark,
    postmark_payload,
)
from .email_support import BUDI_ID, SITI_ID, State, mime

pytestmark = pytest.mark.usefixtures("_email_settings")


# --- The URLs and their guards -------------------------------------------------------------


def test_the_webhooks_are_at_anymails_own_paths_under_webhooks_email():
    assert reverse("channels_intake:email:mailgun_inbound_webhook") == MAILGUN_URL
    assert reverse("channels_intake:email:postmark_inbound_webhook") == POSTMARK_URL
    for url, provider in ((MAILGUN_URL, "Mailgun"), (MAILGUN_MIME_URL, "Mailgun"),
                          (POSTMARK_URL, "Postmark")):  # fmt: skip
        assert resolve(url).func.view_class.esp_name == provider
    # Only the providers Sigap tests are mounted; anymail's tracking webhooks are not.
    with pytest.raises(Resolver404):
        resolve("/webhooks/email/sendgrid/inbound/")


@pytest.mark.django_db
def test_without_secrets_every_email_webhook_answers_503(client, settings):
    settings.ANYMAIL_WEBHOOK_SECRET = ""
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = ""
    response = post_mailgun(client, mime(fixture("gmail_reply.eml")), url=MAILGUN_MIME_URL)
    assert response.status_code == 503
    assert "MAILGUN_WEBHOOK_SIGNING_KEY" in response.json()["error"]
    response = post_postmark(client, postmark_payload("postmark_inbound"), auth=None)
    assert response.status_code == 503
    assert "ANYMAIL_WEBHOOK_SECRET" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_postmark_needs_the_basic_auth_secret_even_when_mailgun_is_configured(client, settings):
    # Postmark signs nothing: without a secret anyone could post mail, so it stays shut.
    settings.ANYMAIL_WEBHOOK_SECRET = ""
    response = post_postmark(client, postmark_payload("postmark_inbound"), auth=None)
    assert response.status_code == 503
    # Mailgun authenticates by its signature alone.
    response = post_mailgun(client, mime(fixture("gmail_reply.eml")), url=MAILGUN_MIME_URL)
    assert response.status_code == 200
    assert InboundMessage.objects.get().provider_message_id == BUDI_ID


# --- Mailgun -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_mailgun_raw_mime_message_is_stored_as_rfc822(client):
    response = post_mailgun(client, mime(fixture("gmail_reply.eml")), url=MAILGUN_MIME_URL)
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.channel == Channel.EMAIL
    assert message.provider_message_id == BUDI_ID
    assert message.sender_id == "budi.santoso@example.id"
    assert message.reply_address == "budi.santoso@example.id"
    assert message.thread_ref == BUDI_ID
    assert message.state == State.RECEIVED
    assert message.headers == {
        "Content-Type": "message/rfc822",
        "X-Sigap-Source": "anymail:Mailgun",
    }
    # What the worker parses again is the message itself, not the provider's form.
    (parsed,) = adapter.parse(bytes(message.body))
    assert parsed.subject == "Re: Sigap: BDG-24-000123"
    assert "Lubangnya makin besar setelah hujan semalam 😧" in parsed.text


@pytest.mark.django_db
def test_a_signed_mailgun_parsed_form_with_a_photo_is_stored(client):
    jpeg = base64.b64decode(postmark_payload("postmark_inbound")["Attachments"][0]["Content"])
    headers = [
        ["Received", "from mail-sor-f41.google.com by mxa.mailgun.org with ESMTPS"],
        ["From", "Agus Wibowo <agus.wibowo@example.id>"],
        ["To", "aduan@lapor.bandung.go.id"],
        ["Subject", "Pohon tumbang di Jl. Sukajadi"],
        ["Date", "Fri, 10 May 2024 07:30:00 +0700"],
        ["Message-Id", "<CAPohon123@mail.example.id>"],
        ["Mime-Version", "1.0"],
        ["Content-Type", 'multipart/mixed; boundary="000000000000aa11"'],
    ]
    fields = {
        "recipient": "aduan@lapor.bandung.go.id",
        "sender": "agus.wibowo@example.id",
        "from": "Agus Wibowo <agus.wibowo@example.id>",
        "subject": "Pohon tumbang di Jl. Sukajadi",
        "body-plain": "Pohon besar tumbang menutup jalan, foto terlampir.\r\n",
        "stripped-text": "Pohon besar tumbang menutup jalan, foto terlampir.",
        "body-html": "<div>Pohon besar tumbang menutup jalan, foto terlampir.</div>",
        "attachment-count": "1",
        "attachment-1": SimpleUploadedFile("pohon.jpg", jpeg, content_type="image/jpeg"),
        "message-headers": json.dumps(headers),
        "content-id-map": "{}",
    }
    response = post_mailgun(client, fields)
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.provider_message_id == "CAPohon123@mail.example.id"
    (parsed,) = adapter.parse(bytes(message.body))
    assert parsed.text == (
        "Pohon tumbang di Jl. Sukajadi\n\nPohon besar tumbang menutup jalan, foto terlampir."
    )
    (photo,) = parsed.attachments
    assert (photo.kind, photo.mime_type, photo.filename) == ("image", "image/jpeg", "pohon.jpg")
    media = InboundMedia.objects.create(
        message=message, kind=photo.kind, media_id=photo.media_id, mime_type=photo.mime_type
    )
    fetched = fetcher_for("email")(media)
    assert (fetched.content, fetched.content_type, fetched.filename) == (
        jpeg,
        "image/jpeg",
        "pohon.jpg",
    )


@pytest.mark.django_db
def test_mailguns_parsed_form_streams_a_large_photo_but_raw_mime_is_capped(client, settings):
    photo = bytes(range(256)) * 24_000  # 6 MB, over DATA_UPLOAD_MAX_MEMORY_SIZE
    assert len(photo) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    fields = {
        "message-headers": json.dumps(
            [["From", "agus.wibowo@example.id"], ["Message-Id", "<big@example.id>"]]
        ),
        "body-plain": "Foto besar terlampir.",
        "attachment-count": "1",
        "attachment-1": SimpleUploadedFile("besar.jpg", photo, content_type="image/jpeg"),
    }
    assert post_mailgun(client, fields).status_code == 200
    (parsed,) = adapter.parse(bytes(InboundMessage.objects.get().body))
    assert parsed.attachments[0].filename == "besar.jpg"
    # The raw-MIME form puts the whole message in one form field, which Django caps.
    big = fixture("gmail_reply.eml") + b"\n" + b"x" * len(photo)
    response = post_mailgun(client, mime(big), url=MAILGUN_MIME_URL)
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        mailgun_fields(key="not-the-signing-key"),
        {**mailgun_fields(), "token": "a-token-that-was-not-signed"},
        {**mailgun_fields(), "timestamp": "1"},
        {},
    ],
    ids=["other-key", "tampered-token", "tampered-timestamp", "unsigned"],
)
def test_a_bad_mailgun_signature_is_refused_with_a_403(client, fields):
    data = {**mime(fixture("gmail_reply.eml")), **fields}
    response = post_mailgun(client, data, url=MAILGUN_MIME_URL, key=None)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_mailgun_also_checks_the_basic_auth_when_a_secret_is_set(client):
    data = mime(fixture("gmail_reply.eml"))
    assert post_mailgun(client, data, url=MAILGUN_MIME_URL, auth="x:wrong").status_code == 403
    assert not InboundMessage.objects.exists()
    assert post_mailgun(client, data, url=MAILGUN_MIME_URL, auth=WEBHOOK_SECRET).status_code == 200
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_signed_mailgun_form_without_a_message_is_a_400_with_a_reason(client):
    response = post_mailgun(client, {"recipient": "aduan@lapor.bandung.go.id"})
    assert response.status_code == 400
    assert "message-headers" in response.json()["error"]


@pytest.mark.django_db
def test_a_mailgun_store_route_is_a_400_that_says_to_forward(client):
    fields = {**mime(fixture("gmail_reply.eml")), "attachments": "[]"}
    response = post_mailgun(client, fields, url=MAILGUN_MIME_URL)
    assert response.status_code == 400
    assert "forward()" in response.json()["error"]
    assert not InboundMessage.objects.exists()


# --- Postmark ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_postmark_json_with_basic_auth_is_stored_with_its_photo(client):
    payload = postmark_payload("postmark_inbound")
    response = post_postmark(client, payload)
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    # The Message-ID header, not Postmark's own MessageID: IMAP and retries dedupe on it.
    assert message.provider_message_id == SITI_ID
    assert message.headers["X-Sigap-Source"] == "anymail:Postmark"
    (parsed,) = adapter.parse(bytes(message.body))
    assert parsed.sender_email == "siti.aminah@example.id"  # FromFull.Email, lowercased
    assert parsed.sender_name == "Siti Aminah"
    assert parsed.text.startswith("Lampu jalan mati di Jl. Dago 🌑\n\nSelamat malam,")
    assert "gelap sekali 😟" in parsed.text
    assert "RT 03 RW 05" not in parsed.text  # the signature after "-- "
    (photo,) = parsed.attachments
    assert (photo.filename, photo.mime_type) == ("lampu-mati.jpg", "image/jpeg")
    media = InboundMedia.objects.create(message=message, kind="image", media_id=photo.media_id)
    fetched = fetcher_for("email")(media)
    assert fetched.content == base64.b64decode(payload["Attachments"][0]["Content"])
    assert fetched.content.startswith(b"\xff\xd8\xff")  # a JPEG


@pytest.mark.django_db
def test_a_postmark_message_with_a_large_photo_passes_djangos_form_limit(client, settings):
    payload = postmark_payload("postmark_inbound")
    photo = bytes(range(256)) * 16_400  # 4.2 MB of every byte value, CR and LF included
    payload["Attachments"][0]["Content"] = base64.b64encode(photo).decode()
    # Django's limit here is 5 MB; the JSON carries 5.6 MB of base64.
    assert len(json.dumps(payload)) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    # Unauthenticated, the body is never read: anymail refuses the basic auth.
    assert post_postmark(client, payload, auth="x:wrong").status_code == 403
    assert post_postmark(client, payload).status_code == 200
    message = InboundMessage.objects.get()
    (parsed,) = adapter.parse(bytes(message.body))
    media = InboundMedia.objects.create(
        message=message, kind="image", media_id=parsed.attachments[0].media_id
    )
    assert fetcher_for("email")(media).content == photo


@pytest.mark.django_db
def test_a_body_over_the_webhook_limit_is_a_413(client, monkeypatch):
    monkeypatch.setattr(email_webhook, "MAX_WEBHOOK_BYTES", 6 * 1024 * 1024)
    payload = postmark_payload("postmark_inbound")
    payload["TextBody"] = "x" * (7 * 1024 * 1024)
    response = post_postmark(client, payload)
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("auth", [None, "sigap-inbound:wrong", "someone:Rahasia-Webhook-2024"])
def test_postmark_without_the_right_basic_auth_is_refused_with_a_403(client, auth):
    response = post_postmark(client, postmark_payload("postmark_inbound"), auth=auth)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_malformed_postmark_json_is_a_400_with_a_reason(client):
    response = post_postmark(client, b'{"FromFull": {"Email": ')
    assert response.status_code == 400
    assert "Unreadable Postmark payload" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_redelivered_postmark_message_creates_nothing_new(
    client, django_capture_on_commit_callbacks
):
    payload = postmark_payload("postmark_inbound")
    post_postmark(client, payload)
    first_body = bytes(InboundMessage.objects.get().body)
    with django_capture_on_commit_callbacks() as callbacks:
        assert post_postmark(client, payload).status_code == 200
    assert callbacks == []  # nothing enqueued again
    assert InboundMessage.objects.count() == 1
    assert bytes(InboundMessage.objects.get().body) == first_body


@pytest.mark.django_db
def test_a_redelivery_without_a_message_id_is_still_recognized(client):
    payload = postmark_payload("postmark_inbound")
    payload["Headers"] = [h for h in payload["Headers"] if h["Name"] != "Message-ID"]
    post_postmark(client, payload)
    # Anymail rebuilds the MIME with new boundaries each time; the digest ignores them.
    post_postmark(client, payload)
    message = InboundMessage.objects.get()
    assert message.provider_message_id.startswith("sha256:")
    assert message.thread_ref == ""
    payload["TextBody"] += "Satu lagi."
    post_postmark(client, payload)
    assert InboundMessage.objects.count() == 2


@pytest.mark.django_db
def test_an_auto_reply_is_answered_200_and_not_stored(client):
    assert (
        post_mailgun(client, mime(fixture("auto_reply.eml")), url=MAILGUN_MIME_URL).status_code
        == 200
    )
    assert (
        post_mailgun(client, mime(fixture("bounce.eml")), url=MAILGUN_MIME_URL).status_code == 200
    )
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_mail_from_our_own_address_is_not_stored(client):
    payload = postmark_payload("postmark_inbound")
    payload["FromFull"] = {"Email": "ADUAN@lapor.bandung.go.id", "Name": "Sigap", "MailboxHash": ""}
    assert post_postmark(client, payload).status_code == 200
    assert not InboundMessage.objects.exists()
