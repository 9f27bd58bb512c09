"""Email end to end, and the adapter on its own: replies, robots, quotes, attachments."""

from __future__ import annotations

import pytest

from channels_intake.models import InboundMedia, InboundMessage, OutboundMessage
from channels_intake.normalized import PayloadError
from channels_intake.providers.email import adapter
from channels_intake.providers.fetching import PermanentFetchError
from channels_intake.providers.registry import fetcher_for, parser_for
from complaints.models import Channel, Complaint
from complaints.services import complaint_create

from .email_helpers import (
    fixture,
    post_postmark,
    postmark_payload,
)
from .email_support import BUDI_ID, SITI_ID, State

pytestmark = pytest.mark.usefixtures("_email_settings")


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
