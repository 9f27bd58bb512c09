"""Chat messages join one draft: KIRIM, BATAL, two senders, and keywords."""

from __future__ import annotations

import io

from PIL import Image

from channels_intake.models import Conversation, InboundMedia, InboundMessage, OutboundMessage
from complaints.models import Channel, Complaint
from complaints.services import complaint_create

from ..conftest import make_image_bytes
from .conversations_support import GPS_IFD, PHONE, close_windows, deliver, image, location, text


def test_photo_then_text_then_location_become_one_complaint(
    client, world, whatsapp, graph, django_capture_on_commit_callbacks
):
    graph.files["9001"] = make_image_bytes(exif_gps=True)
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, image("wamid.P1", "9001"))
    deliver(client, capture, text("wamid.T1", "Jalan berlubang besar, sudah 2 minggu 😟"))
    deliver(client, capture, location("wamid.L1"))

    # Still a draft: nothing for the agencies yet, one prompt to the citizen.
    assert Complaint.objects.count() == 0
    draft = Conversation.objects.get()
    assert draft.state == Conversation.State.OPEN
    assert draft.messages.count() == 3
    prompts = OutboundMessage.objects.filter(channel=Channel.WHATSAPP, recipient=PHONE)
    assert [m.body[:23] for m in prompts] == ["Sigap: laporan dicatat."]
    # The photo was fetched at once (provider links expire), stripped of its GPS.
    fetched = InboundMedia.objects.get()
    assert fetched.state == InboundMedia.State.FETCHED
    assert len(fetched.sha256) == 64
    assert [r.headers["Authorization"] for r in graph.requests] == ["Bearer test-token"] * 2

    assert close_windows(capture) == 1

    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WHATSAPP
    assert complaint.text == "Jalan berlubang besar, sudah 2 minggu 😟"
    assert (float(complaint.latitude), float(complaint.longitude)) == (-6.9147, 107.6098)
    assert complaint.address == "Jl. Merdeka, Bandung"
    assert complaint.reporter.phone == PHONE
    assert set(InboundMessage.objects.values_list("complaint", flat=True)) == {complaint.pk}
    attachment = complaint.attachments.get()
    with attachment.file.open("rb") as stored:
        assert not Image.open(io.BytesIO(stored.read())).getexif().get_ifd(GPS_IFD)
    assert fetched.sha256 == InboundMedia.objects.get().sha256
    ack = OutboundMessage.objects.get(complaint=complaint, kind="ack")
    assert (ack.channel, ack.recipient) == (Channel.WHATSAPP, PHONE)
    # The beat runs again: nothing more.
    assert close_windows(capture) == 0
    assert Complaint.objects.count() == 1


def test_kirim_submits_the_draft_at_once(
    client, world, whatsapp, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, text("wamid.T1", "Lampu jalan mati di Jl. Dago"))
    deliver(client, capture, text("wamid.T2", "sudah 3 malam"))
    assert Complaint.objects.count() == 0
    deliver(client, capture, text("wamid.T3", "Kirim"))

    complaint = Complaint.objects.get()
    assert complaint.text == "Lampu jalan mati di Jl. Dago\nsudah 3 malam"
    assert Conversation.objects.get().state == Conversation.State.SUBMITTED
    assert close_windows(capture) == 0

    # Sent twice: the second KIRIM has no draft to act on and files nothing.
    deliver(client, capture, text("wamid.T4", "KIRIM"))
    assert InboundMessage.objects.get(provider_message_id="wamid.T4").state == "ignored"
    assert Conversation.objects.count() == 1


def test_the_draft_button_submits_too(client, world, whatsapp, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, text("wamid.T1", "Banjir di Jl. Pasteur"))
    button = {
        "id": "wamid.B1",
        "type": "interactive",
        "interactive": {
            "type": "button_reply",
            "button_reply": {"id": "sigap_submit", "title": "Kirim"},
        },
    }
    deliver(client, capture, button)
    assert Complaint.objects.get().text == "Banjir di Jl. Pasteur"


def test_batal_drops_the_draft(client, world, whatsapp, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, text("wamid.T1", "Salah kirim"))
    deliver(client, capture, text("wamid.T2", "BATAL"))
    assert Conversation.objects.get().state == Conversation.State.CANCELLED
    assert close_windows(capture) == 0
    assert Complaint.objects.count() == 0
    bodies = list(OutboundMessage.objects.order_by("id").values_list("body", flat=True))
    assert bodies[-1].startswith("Sigap: draf laporan Anda dibatalkan.")


def test_two_senders_have_two_drafts_and_a_late_message_a_new_one(
    client, world, whatsapp, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, text("wamid.A1", "Sampah menumpuk di pasar"))
    deliver(client, capture, text("wamid.B1", "Pohon tumbang"), wa_id="6285712345678")
    assert Conversation.objects.filter(state="open").count() == 2
    assert close_windows(capture) == 2
    deliver(client, capture, text("wamid.A2", "Satu lagi: got mampet"))
    assert Conversation.objects.filter(state="open").count() == 1
    assert Complaint.objects.count() == 2


def test_cek_answers_the_status_and_makes_no_complaint(
    client, world, whatsapp, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        complaint = complaint_create(
            channel="whatsapp",
            text="Jalan rusak",
            reporter_phone=PHONE,
            category=world.road,
            area=world.sukarasa,
        )
    typed = complaint.tracking_code.replace("-", "").lower()
    deliver(client, capture, text("wamid.C1", f"cek {typed}"))

    assert Complaint.objects.count() == 1
    assert Conversation.objects.count() == 0
    answer = OutboundMessage.objects.get(dedupe_key="keyword:whatsapp:wamid.C1")
    assert answer.body.startswith(
        f"Sigap {complaint.tracking_code}: Didisposisikan, Dinas Bina Marga Kota Bandung, target"
    )
    # The reporter asked: the answer carries the tracking link.
    assert complaint.public_token in answer.body
    assert InboundMessage.objects.get(provider_message_id="wamid.C1").state == "processed"


def test_cek_by_someone_else_gets_no_link(
    client, world, whatsapp, django_capture_on_commit_callbacks
):
    complaint = complaint_create(channel="web", text="Jalan rusak", reporter_phone="+6285711112222")
    deliver(
        client,
        django_capture_on_commit_callbacks,
        text("wamid.C1", f"STATUS {complaint.tracking_code}"),
    )
    answer = OutboundMessage.objects.get(dedupe_key="keyword:whatsapp:wamid.C1")
    assert complaint.tracking_code in answer.body
    assert complaint.public_token not in answer.body


def test_info_answers_with_help(client, world, whatsapp, django_capture_on_commit_callbacks):
    deliver(client, django_capture_on_commit_callbacks, text("wamid.I1", "INFO"))
    answer = OutboundMessage.objects.get()
    assert answer.body.startswith("Sigap: kirim pengaduan")
    assert len(answer.body) <= 160
    assert Complaint.objects.count() == 0
