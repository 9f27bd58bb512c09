"""Chat messages become complaints: drafts, keywords, answers to questions, provider media.

WhatsApp payloads are built in the Cloud API's real shape and signed like Meta signs
them; a local server plays the Graph API's two-step media download.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from channels_intake import media as media_service
from channels_intake.models import Conversation, InboundMedia, InboundMessage, OutboundMessage
from channels_intake.tasks import fetch_media, submit_due_conversations
from complaints.lifecycle import Actor
from complaints.models import Channel, Complaint, ComplaintEvent
from complaints.services import complaint_create
from dispositions.models import Disposition
from dispositions.services import disposition_assign, disposition_request_info

from ..conftest import make_image_bytes
from .fake_provider import FakeProvider, json_answer
from .whatsapp_helpers import APP_SECRET, post

WA_ID = "6281234567890"
PHONE = "+6281234567890"
GPS_IFD = 0x8825


def payload(*messages: dict, wa_id: str = WA_ID) -> bytes:
    """One Cloud API delivery carrying `messages` from one citizen."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001708", "phone_number_id": "1122334455667"},
        "contacts": [{"profile": {"name": "Budi"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "timestamp": "1763780000", **message} for message in messages],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body, ensure_ascii=False).encode()


def text(wamid: str, body: str, **extra) -> dict:
    return {"id": wamid, "type": "text", "text": {"body": body}, **extra}


def image(wamid: str, media_id: str, caption: str = "") -> dict:
    body = {"mime_type": "image/jpeg", "sha256": "x", "id": media_id}
    if caption:
        body["caption"] = caption
    return {"id": wamid, "type": "image", "image": body}


def location(wamid: str) -> dict:
    return {
        "id": wamid,
        "type": "location",
        "location": {
            "latitude": -6.9147,
            "longitude": 107.6098,
            "name": "Jl. Merdeka",
            "address": "Bandung",
        },
    }


@pytest.fixture
def whatsapp(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.CONVERSATION_WINDOW_SECONDS = 300


@pytest.fixture
def graph(settings):
    """The Graph API's media endpoints: /{media-id} gives a URL, the URL gives the bytes."""
    provider = FakeProvider()
    files: dict[str, bytes] = {}
    provider.files = files

    def lookup(request):
        media_id = request.path.rsplit("/", 1)[-1]
        if media_id not in files:
            return json_answer({"error": {"message": "Unknown media", "code": 100}}, 404)
        return json_answer(
            {"url": f"{provider.base}/files/{media_id}", "mime_type": "image/jpeg", "id": media_id}
        )

    def download(request):
        return 200, "image/jpeg", files[request.path.rsplit("/", 1)[-1]]

    provider.routes[("GET", "/v21.0/")] = lookup
    provider.routes[("GET", "/files/")] = download
    settings.WHATSAPP_API_BASE = f"{provider.base}/v21.0"
    settings.WHATSAPP_ACCESS_TOKEN = "test-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = ""  # replies stay in the log: this is about intake
    yield provider
    provider.stop()


def deliver(client, capture, *messages: dict, wa_id: str = WA_ID):
    with capture(execute=True):
        response = post(client, payload(*messages, wa_id=wa_id))
    assert response.status_code == 200, response.content
    return response


def close_windows(capture) -> int:
    Conversation.objects.update(closes_at=timezone.now() - timedelta(seconds=1))
    with capture(execute=True):
        return submit_due_conversations()


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


def routed_road_complaint(world, capture) -> Complaint:
    with capture(execute=True):
        complaint = complaint_create(
            channel="whatsapp",
            text="Jalan berlubang",
            reporter_phone=PHONE,
            category=world.road,
            area=world.sukarasa,
        )
    complaint.refresh_from_db()
    assert complaint.agency == world.roads_bdg
    return complaint


def test_an_answer_to_the_agencys_question_resumes_its_clock(
    client, world, whatsapp, staff_roads, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    complaint = routed_road_complaint(world, capture)
    with capture(execute=True):
        disposition_request_info(
            complaint=complaint,
            actor=Actor.for_user(staff_roads),
            question="Di depan nomor rumah berapa?",
        )
    assert Disposition.objects.get(complaint=complaint).paused_at is not None

    deliver(client, capture, text("wamid.A1", "Depan rumah no. 12, dekat warung"))

    assert Complaint.objects.count() == 1
    assert Conversation.objects.count() == 0
    assert Disposition.objects.get(complaint=complaint).paused_at is None
    answer = ComplaintEvent.objects.filter(complaint=complaint, action="provide_info").get()
    assert answer.note == "Depan rumah no. 12, dekat warung"
    assert InboundMessage.objects.get(provider_message_id="wamid.A1").complaint == complaint
    thanks = OutboundMessage.objects.get(dedupe_key="answer:whatsapp:wamid.A1")
    assert complaint.tracking_code in thanks.body


def test_lapor_files_a_new_report_even_with_a_question_waiting(
    client, world, whatsapp, staff_roads, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    complaint = routed_road_complaint(world, capture)
    disposition_request_info(
        complaint=complaint, actor=Actor.for_user(staff_roads), question="Nomor rumah?"
    )
    deliver(client, capture, text("wamid.N1", "LAPOR lampu jalan mati di Jl. Riau"))
    assert Disposition.objects.get(complaint=complaint).paused_at is not None
    assert Conversation.objects.get().text == "lampu jalan mati di Jl. Riau"


def test_a_fake_picture_is_rejected_with_a_reason_and_the_report_kept(
    client, world, graph, settings, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.CONVERSATION_WINDOW_SECONDS = 0
    graph.files["666"] = b"MZ\x90\x00 this is not a picture"
    deliver(client, django_capture_on_commit_callbacks, image("wamid.F1", "666", "Sampah liar"))

    complaint = Complaint.objects.get()
    assert complaint.text == "Sampah liar"
    assert complaint.attachments.count() == 0
    rejected = InboundMedia.objects.get()
    assert rejected.state == InboundMedia.State.REJECTED
    # Stored in the staff's language, naming the file: readable, not a traceback.
    assert rejected.error.endswith("bukan gambar yang bisa kami baca.")


def test_an_expired_media_id_fails_without_retry(
    client, world, graph, settings, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    deliver(client, django_capture_on_commit_callbacks, image("wamid.E1", "gone", "Banjir"))
    failed = InboundMedia.objects.get()
    assert failed.state == InboundMedia.State.FAILED
    assert failed.attempts == 1
    assert "HTTP 404" in failed.error
    assert Complaint.objects.get().text == "Banjir"


def test_a_server_error_is_retried_then_fetched(
    client, world, graph, settings, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    graph.files["77"] = make_image_bytes()
    flaky = {"left": 2}
    lookup = graph.routes[("GET", "/v21.0/")]

    def sometimes_down(request):
        if flaky["left"]:
            flaky["left"] -= 1
            return json_answer({"error": {"message": "Service unavailable"}}, 503)
        return lookup(request)

    graph.routes[("GET", "/v21.0/")] = sometimes_down
    deliver(client, django_capture_on_commit_callbacks, image("wamid.R1", "77", "Got mampet"))
    fetched = InboundMedia.objects.get()
    assert fetched.state == InboundMedia.State.FETCHED
    assert fetched.attempts == 3
    assert Complaint.objects.get().attachments.count() == 1


def test_fetching_twice_attaches_once(
    client, world, graph, settings, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    graph.files["5"] = make_image_bytes()
    deliver(client, django_capture_on_commit_callbacks, image("wamid.D1", "5", "Trotoar rusak"))
    media = InboundMedia.objects.get()
    assert fetch_media(media.pk) == "fetched"
    assert media_service.media_attach(media_id=media.pk) is False
    assert Complaint.objects.get().attachments.count() == 1


def test_submitting_a_draft_twice_makes_one_complaint(
    client, world, whatsapp, django_capture_on_commit_callbacks
):
    from channels_intake.conversations import draft_submit

    deliver(client, django_capture_on_commit_callbacks, text("wamid.T1", "Parit meluap"))
    draft = Conversation.objects.get()
    assert draft_submit(conversation_id=draft.pk) is not None
    assert draft_submit(conversation_id=draft.pk) is None
    assert Complaint.objects.count() == 1


def test_drafts_are_submitted_by_beat_every_half_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["submit-due-conversations"]
    assert entry["task"] == "channels_intake.submit_due_conversations"
    assert entry["schedule"] == 30.0


def test_staff_read_the_conversation_on_the_complaint_page_without_the_sender(
    client, world, settings, operator, staff_env, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.CONVERSATION_WINDOW_SECONDS = 0
    deliver(
        client, django_capture_on_commit_callbacks, text("wamid.S1", "Sampah liar di Kel. Dago")
    )
    complaint = Complaint.objects.get()
    complaint.is_confidential = True
    complaint.save(update_fields=["is_confidential"])
    page_url = f"/dashboard/aduan/{complaint.tracking_code}/"

    client.force_login(operator)
    html = client.get(page_url).content.decode()
    assert "Pesan di kanal" in html
    assert "Dari warga" in html and "Sampah liar di Kel. Dago" in html
    assert "Kepada warga" in html and f"laporan {complaint.tracking_code} diterima" in html

    complaint.refresh_from_db()
    assert complaint.area == world.dago  # named in the text: placed without a pin
    disposition_assign(complaint=complaint, actor=Actor.for_user(operator), agency=world.env_bdg)
    client.force_login(staff_env)
    html = client.get(page_url).content.decode()
    assert "Sampah liar di Kel. Dago" in html
    assert PHONE not in html and WA_ID not in html
