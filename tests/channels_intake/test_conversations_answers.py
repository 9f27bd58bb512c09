"""Answers to an agency question, media of a draft, beat submission, and the staff page."""

from __future__ import annotations

from channels_intake import media as media_service
from channels_intake.models import Conversation, InboundMedia, InboundMessage, OutboundMessage
from channels_intake.tasks import fetch_media
from complaints.lifecycle import Actor
from complaints.models import Complaint, ComplaintEvent
from complaints.services import complaint_create
from dispositions.models import Disposition
from dispositions.services import disposition_assign, disposition_request_info

from ..conftest import make_image_bytes
from .conversations_support import PHONE, WA_ID, deliver, image, text
from .fake_provider import json_answer
from .whatsapp_helpers import APP_SECRET


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
