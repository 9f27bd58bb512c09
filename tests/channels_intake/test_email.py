"""Inbound email end to end: Mailgun and Postmark through django-anymail, the adapter, the
attachment fetcher, and the acknowledgment that answers in the citizen's thread."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse

from channels_intake.models import InboundMedia, InboundMessage, OutboundMessage
from channels_intake.normalized import PayloadError
from channels_intake.providers.email import adapter
from channels_intake.providers.email import webhook as email_webhook
from channels_intake.providers.fetching import PermanentFetchError
from channels_intake.providers.registry import fetcher_for, parser_for
from complaints.models import Channel, Complaint
from complaints.services import complaint_create

from .email_helpers import (
    MAILGUN_MIME_URL,
    MAILGUN_URL,
    POSTMARK_URL,
    SIGNING_KEY,
    WEBHOOK_SECRET,
    fixture,
    mailgun_fields,
    post_mailgun,
    post_postmark,
    postmark_payload,
)

State = InboundMessage.State
SITI_ID = "CAJx9Lq0W1sZ4Fq7Y8tLmD3kP2nR5vB6cX7hJ8gK9eQ@mail.example.id"
BUDI_ID = "CAGf8kZ2q9V0xLbT4n1Ya7RmP5c3WdE6uJhK0sN8oQ1rMzF=x@mail.example.id"


@pytest.fixture(autouse=True)
def _email_settings(settings):
    settings.ANYMAIL_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = SIGNING_KEY
    settings.DEFAULT_FROM_EMAIL = "Sigap Kota Bandung <aduan@lapor.bandung.go.id>"
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"


def mime(raw: bytes) -> dict[str, str]:
    """Mailgun's "raw MIME" form (a route forwarding to a URL ending in `mime`)."""
    return {
        "recipient": "aduan@lapor.bandung.go.id",
        "sender": "budi.santoso@example.id",
        "body-mime": raw.decode(),
    }


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


# --- End to end ----------------------------------------------------------------------------


def test_an_emailed_complaint_is_acknowledged_in_the_citizens_thread(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_postmark(client, postmark_payload("postmark_inbound"))
    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert inbound.state == State.PROCESSED
    complaint = inbound.complaint
    assert complaint.channel == Channel.EMAIL
    assert complaint.text.startswith("Lampu jalan mati di Jl. Dago 🌑")
    assert complaint.reporter.email == "siti.aminah@example.id"
    assert complaint.reporter.name == "Siti Aminah"

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert ack.channel == Channel.EMAIL
    assert ack.recipient == "siti.aminah@example.id"
    assert ack.thread_ref == SITI_ID
    assert ack.state == OutboundMessage.State.SENT
    (mail,) = mailoutbox
    sent = mail.message()
    assert mail.to == ["siti.aminah@example.id"]
    assert mail.from_email == "Sigap Kota Bandung <aduan@lapor.bandung.go.id>"
    # Their own subject, so mail clients that thread by subject keep it together.
    assert mail.subject == f"Re: Lampu jalan mati di Jl. Dago 🌑 [Sigap {complaint.tracking_code}]"
    assert sent["In-Reply-To"] == sent["References"] == f"<{SITI_ID}>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Message-ID"] == f"<{ack.provider_message_id}>"
    assert complaint.tracking_code in mail.body


def test_an_html_only_email_becomes_a_readable_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_postmark(client, postmark_payload("postmark_html_only"))
    complaint = InboundMessage.objects.get().complaint
    assert complaint.text == (
        "Sampah menumpuk & bau di Pasar Cihapit\n\n"
        "Yth. Admin,\n\n"
        "Sampah di depan Pasar Cihapit sudah menumpuk > 1 minggu & baunya menyengat.\n\n"
        "- Lokasi: Jl. Cihapit No. 8\n"
        "- Sejak: 29 April\n\n"
        "Hormat saya,\nBambang"
    )


def test_the_same_citizen_writing_again_is_the_same_reporter(
    client, world, django_capture_on_commit_callbacks
):
    payload = postmark_payload("postmark_inbound")
    with django_capture_on_commit_callbacks(execute=True):
        post_postmark(client, payload)
    payload["Headers"][-1]["Value"] = "<second-message@mail.example.id>"
    payload["FromFull"]["Email"] = "siti.aminah@EXAMPLE.id"
    with django_capture_on_commit_callbacks(execute=True):
        post_postmark(client, payload)
    assert Complaint.objects.count() == 2
    assert len(set(Complaint.objects.values_list("reporter", flat=True))) == 1


def test_a_web_complaint_with_an_email_is_now_acknowledged_by_email(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_create(
            channel="web", text="Trotoar rusak", reporter_email="warga@example.id"
        )
    ack = OutboundMessage.objects.get(complaint=complaint)
    assert (ack.channel, ack.recipient, ack.thread_ref) == ("email", "warga@example.id", "")
    (mail,) = mailoutbox
    assert "In-Reply-To" not in mail.message()


# --- The adapter on its own ----------------------------------------------------------------


def test_parse_is_the_registered_email_parser():
    assert parser_for("email") is adapter.parse


def test_it_reads_a_gmail_reply_without_its_quoted_history_or_signature():
    (message,) = adapter.parse(fixture("gmail_reply.eml"))
    assert message.sender_email == message.sender_id == "budi.santoso@example.id"
    assert message.sender_name == "Budi Sántoso"
    assert message.thread_ref == message.provider_message_id == BUDI_ID
    assert message.reply_to == "171496080012.4102.9876543210@lapor.bandung.go.id"
    assert message.message_type == "text"
    assert message.timestamp == 1714961700
    assert message.text == (
        "Sigap: BDG-24-000123\n\nLubangnya makin besar setelah hujan semalam 😧, motor saya "
        "hampir jatuh. Mohon segera ditambal."
    )


def test_it_cuts_outlooks_original_message_and_decodes_latin1():
    (message,) = adapter.parse(fixture("outlook_reply.eml"))
    assert message.text == (
        "Sigap: BDG-24-000200\n\n"
        "Pohonnya belum dipangkas, dahan sudah menyentuh kabel listrik.\n\nSalam,\nRina"
    )


QUOTED = {
    "on-wrote": (
        "Baru saja.\n\nOn Mon, 6 May 2024 at 10:00, Sigap <a@b.id> wrote:\n> lama\n> lama",
        "Baru saja.",
    ),
    "pada-menulis-wrapped": (
        "Atas\n\nPada tanggal Sen, 6 Mei 2024 pukul 10.00 Sigap <a@b.id>\nmenulis:\n> lama\n\n"
        "Bawah",
        "Atas\n\nBawah",
    ),
    "unquoted-history": (
        "Jawaban saya\n\nOn Mon, Sigap wrote:\nteks lama tanpa tanda kutip",
        "Jawaban saya",
    ),
    "interleaved": (
        "> kutipan\nbalasan di antara\n> kutipan lagi\nlagi",
        "balasan di antara\nlagi",
    ),
    "signature": ("Isi\n-- \nNama\nJabatan", "Isi"),
    "mobile-footer": ("Isi\n\nDikirim dari iPhone saya", "Isi"),
    "pesan-asli": ("Isi\n\n-----Pesan Asli-----\nDari: Sigap\nlama", "Isi"),
    "outlook-id-header": ("Isi\n\nDari: Sigap <a@b.id>\nDikirim: Senin, 6 Mei 2024\nlama", "Isi"),
    # A citizen's own "Dari:" (From:) line without Outlook's "Dikirim:" is their text.
    "not-a-header": (
        "Dari: Pak RT 05\nAlamat: Jl. Melati 3\nAda kebocoran pipa",
        "Dari: Pak RT 05\nAlamat: Jl. Melati 3\nAda kebocoran pipa",
    ),
}


@pytest.mark.parametrize(("body", "expected"), QUOTED.values(), ids=QUOTED.keys())
def test_quoted_history_is_stripped(body, expected):
    assert adapter.strip_quoted(body) == expected


def test_a_forward_keeps_the_forwarded_mail_which_is_the_complaint():
    raw = (
        b"From: Warga <warga@example.id>\nTo: aduan@lapor.bandung.go.id\n"
        b"Subject: Fwd: Keluhan air PDAM\nMessage-ID: <fwd1@example.id>\n\n"
        b"Mohon ditindaklanjuti.\n\n---------- Forwarded message ---------\n"
        b"From: Tetangga <tetangga@example.id>\nDate: Sen, 6 Mei 2024\n"
        b"Subject: Keluhan air PDAM\n\nAir PDAM mati tiga hari di RW 07.\n"
    )
    (message,) = adapter.parse(raw)
    assert message.text.startswith("Keluhan air PDAM\n\nMohon ditindaklanjuti.")
    assert "Air PDAM mati tiga hari di RW 07." in message.text


def test_html_to_text_drops_scripts_and_styles_and_decodes_entities():
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<h1>Judul</h1><p>A&nbsp;&amp;&#32;B &lt;C&gt; &eacute;</p>"
        "<script>document.write('jahat')</script><table><tr><td>x</td><td>y</td></tr></table>"
        "<div>baris<br/>baru</div></body></html>"
    )
    assert adapter.html_to_text(html) == "Judul\n\nA & B <C> é\n\nx y\n\nbaris\nbaru"


def test_html_quotes_are_dropped_but_kept_in_a_forward():
    html = (
        '<div>Baru</div><div class="gmail_quote">On Mon, X wrote:'
        "<blockquote>lama</blockquote></div>"
    )
    assert adapter.html_to_text(html) == "Baru"
    assert "lama" in adapter.html_to_text(html, keep_quotes=True)


def raw_email(headers: str, body: str = "Jalan berlubang.") -> bytes:
    base = "From: Warga <warga@example.id>\nTo: aduan@lapor.bandung.go.id\nMessage-ID: <m1@x.id>\n"
    return f"{base}{headers}\n{body}\n".encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Cuti\nAuto-Submitted: auto-replied\n",
        'Subject: Info\nAuto-Submitted: auto-generated; owner-email="x@y"\n',
        "Subject: Berita\nPrecedence: bulk\n",
        "Subject: Daftar\nPrecedence: list\n",
        "Subject: Junk\nPrecedence: junk\n",
        "Subject: Saya cuti\nX-Autoreply: yes\n",
        "Subject: Out of Office: Sigap\n",
        "Subject: Automatic reply: Sigap: BDG-1\n",
        "Subject: Gagal\nReturn-Path: <>\n",
    ],
)
def test_automatic_mail_is_ignored(headers):
    assert adapter.parse(raw_email(headers)) == []


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.id", "postmaster@example.id",
                                    "no-reply@bank.example.id", "noreply@x.id"])  # fmt: skip
def test_mail_from_robots_is_ignored(sender):
    raw = raw_email("Subject: x\n").replace(b"warga@example.id", sender.encode())
    assert adapter.parse(raw) == []


def test_auto_submitted_no_is_a_person(settings):
    (message,) = adapter.parse(raw_email("Subject: Jalan\nAuto-Submitted: no\n"))
    assert message.text == "Jalan\n\nJalan berlubang."


def test_our_own_address_is_ignored(settings):
    settings.DEFAULT_FROM_EMAIL = "Sigap <Warga@Example.id>"
    assert adapter.parse(raw_email("Subject: x\n")) == []


def test_a_bare_reply_prefix_is_not_part_of_the_text():
    (message,) = adapter.parse(raw_email("Subject: Re:\n"))
    assert message.text == "Jalan berlubang."
    (message,) = adapter.parse(raw_email("Subject: RE: Bls: Fwd:  \n"))
    assert message.text == "Jalan berlubang."


def test_a_photo_without_words_is_an_image_message():
    raw = (
        b"From: warga@example.id\nMessage-ID: <p1@x.id>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
        b"Content-Type: text/plain\n\n\n--b\nContent-Type: image/png\n"
        b'Content-Disposition: attachment; filename="../../etc/foto.png"\n'
        b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b\n"
        b"Content-Type: application/pgp-signature\n\nsig\n--b--\n"
    )
    (message,) = adapter.parse(raw)
    assert message.message_type == "image"
    assert message.text == ""
    (photo,) = message.attachments  # the signature part is not a citizen's file
    # walk(): 0 multipart/mixed, 1 the empty text, 2 the photo, 3 the signature.
    assert (photo.media_id, photo.kind, photo.filename) == ("2", "image", "foto.png")


def test_a_long_message_id_is_hashed_to_fit():
    long_id = "a" * 300 + "@x.id"
    (message,) = adapter.parse(raw_email("Subject: x\n").replace(b"m1@x.id", long_id.encode()))
    assert message.provider_message_id.startswith("sha256:")
    assert len(message.provider_message_id) == 71
    assert message.thread_ref == ""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"", "empty"), (b"  \r\n", "empty"), (b"just words, no header\n\nmore", "no header")],
)
def test_what_is_not_an_email_is_a_payload_error(raw, reason):
    with pytest.raises(PayloadError, match=reason):
        adapter.parse(raw)


@pytest.mark.django_db
def test_the_fetcher_refuses_an_index_that_is_not_a_file():
    message = InboundMessage.objects.create(
        channel=Channel.EMAIL, provider_message_id="m1@x.id", body=fixture("gmail_reply.eml")
    )
    # 0 is the multipart container itself; 99 is past the end; "foto" is no index.
    for position, media_id in enumerate(("0", "99", "foto")):
        media = InboundMedia.objects.create(
            message=message, kind="image", media_id=media_id, position=position
        )
        with pytest.raises(PermanentFetchError):
            fetcher_for("email")(media)
