"""Facebook and Instagram messages end to end: complaints, acknowledgments, edits, events."""

from __future__ import annotations

import pytest
from django.utils import timezone

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from complaints.models import Channel, Complaint, ComplaintEvent, Status

from .meta_support import (
    COMMENT_ID,
    IG_COMMENT_ID,
    IGSID,
    PAGE_TOKEN,
    PSID,
    Sent,
    State,
    fixture,
    post,
)

pytestmark = pytest.mark.usefixtures("_meta_settings")


# --- End to end: complaint, reporter, acknowledgment ---------------------------------------


def test_messenger_text_and_image_become_complaints_acknowledged_to_the_psid(
    client, world, graph_api, django_capture_on_commit_callbacks
):
    raw = fixture("messenger_text_image")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, raw)
    assert response.json() == {"received": 2, "new": 2}
    text = InboundMessage.objects.get(provider_message_id="m_TXT-sampah-001")
    image = InboundMessage.objects.get(provider_message_id="m_IMG-sampah-002")
    assert text.state == image.state == State.PROCESSED
    complaint = text.complaint
    assert complaint.channel == Channel.FACEBOOK
    assert complaint.text == "Sampah menumpuk di Jl. Braga, sudah seminggu"
    assert image.complaint is not None
    # Both messages came from one citizen, known by their page-scoped id.
    assert complaint.reporter == image.complaint.reporter
    handle = ReporterHandle.objects.get()
    assert (handle.channel, handle.handle) == (Channel.FACEBOOK, PSID)
    complaint.refresh_from_db()
    assert complaint.status == Status.TRIAGE

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (Channel.FACEBOOK, PSID, "")
    assert ack.state == Sent.SENT
    assert ack.provider_message_id.startswith("m_OUT")
    request = next(r for r in graph_api.posts() if r["json"]["message"]["text"] == ack.body)
    assert request["path"] == "/v21.0/me/messages"
    assert request["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert request["json"] == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": ack.body},
    }
    assert complaint.tracking_code in ack.body


def test_an_instagram_comment_is_answered_by_a_private_reply_to_it(
    client, world, graph_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("instagram_comment"))
    message = InboundMessage.objects.get()
    assert message.channel == Channel.INSTAGRAM
    assert (message.reply_address, message.thread_ref) == (IGSID, IG_COMMENT_ID)
    complaint = message.complaint
    assert complaint.channel == Channel.INSTAGRAM
    assert complaint.text == "Min, lampu PJU di Jl. Riau mati semua 😑"
    assert complaint.reporter.name == "budi.s"

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (
        Channel.INSTAGRAM,
        IGSID,
        IG_COMMENT_ID,
    )
    assert ack.state == Sent.SENT
    (request,) = graph_api.posts()
    assert request["json"] == {
        "recipient": {"comment_id": IG_COMMENT_ID},
        "messaging_type": "RESPONSE",
        "message": {"text": ack.body},
    }


def test_a_page_comment_becomes_a_complaint_with_a_private_reply(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment"))
    message = InboundMessage.objects.get()
    assert (message.provider_message_id, message.thread_ref) == (COMMENT_ID, COMMENT_ID)
    assert message.reply_address == "7012345678901234"
    assert message.complaint.reporter.name == "Budi Santoso"
    ack = OutboundMessage.objects.get()
    assert (ack.channel, ack.thread_ref) == (Channel.FACEBOOK, COMMENT_ID)


def test_a_comment_gets_only_the_one_private_reply_meta_allows(
    client, world, operator, django_capture_on_commit_callbacks
):
    from complaints.lifecycle import Actor
    from dispositions.services import disposition_assign

    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment"))
    complaint = InboundMessage.objects.get().complaint
    with django_capture_on_commit_callbacks(execute=True):
        disposition_assign(
            complaint=complaint, actor=Actor.for_user(operator), agency=world.roads_bdg
        )
    assert complaint.events.filter(action="assign").exists()
    # The acknowledgment went as the private reply; the routing news waits on the
    # tracking page instead of failing against Meta's limit.
    assert list(OutboundMessage.objects.values_list("kind", flat=True)) == ["ack"]


# --- Edits ---------------------------------------------------------------------------------


def test_an_edited_comment_updates_the_complaint_and_makes_no_new_one(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment"))
    complaint = Complaint.objects.get()
    status = Complaint.objects.get().status
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("page_comment_edited"))
    assert response.json() == {"received": 1, "new": 1}

    assert Complaint.objects.count() == 1
    complaint.refresh_from_db()
    edited = "Kapan jalan di depan SDN 3 Bandung diperbaiki? Lubangnya makin dalam"
    assert complaint.text == edited
    assert complaint.title == edited
    assert complaint.status == status  # an edit is not a status change
    edit = InboundMessage.objects.get(provider_message_id__startswith=f"{COMMENT_ID}:edited:")
    assert edit.state == State.PROCESSED
    assert edit.complaint == complaint
    event = ComplaintEvent.objects.get(complaint=complaint, action="reporter_edit")
    assert event.kind == ComplaintEvent.Kind.NOTE
    assert not event.is_public
    assert "Sudah berlubang 😠" in event.note  # the earlier text is kept in the timeline
    # No second acknowledgment for an edit.
    assert OutboundMessage.objects.count() == 1

    # Meta redelivers the same edit: nothing changes, nothing is written twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, fixture("page_comment_edited")).json()["new"] == 0
    assert ComplaintEvent.objects.filter(action="reporter_edit").count() == 1


def test_a_messenger_edit_replaces_only_that_messages_words(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("messenger_text"))
    complaint = Complaint.objects.get()
    # As if a draft had joined another message after this one.
    Complaint.objects.filter(pk=complaint.pk).update(
        text=complaint.text + "\nFoto terlampir.", title="Lampu PJU padam"
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("messenger_message_edit"))
    complaint.refresh_from_db()
    assert complaint.text == "Lampu jalan mati di RT 05 RW 02, Kelurahan Cihapit\nFoto terlampir."
    assert complaint.title == "Lampu PJU padam"  # staff's own title is kept
    assert Complaint.objects.count() == 1


def test_a_second_edit_replaces_the_first_within_a_longer_text(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment"))
    complaint = Complaint.objects.get()
    Complaint.objects.filter(pk=complaint.pk).update(text=complaint.text + "\nLokasi: Cibeunying")
    first = fixture("page_comment_edited")
    second = first.replace(b"makin dalam", b"sudah ditambal sebagian")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, first)
        post(client, second)
    complaint.refresh_from_db()
    assert complaint.text == (
        "Kapan jalan di depan SDN 3 Bandung diperbaiki? Lubangnya sudah ditambal sebagian"
        "\nLokasi: Cibeunying"
    )
    assert ComplaintEvent.objects.filter(action="reporter_edit").count() == 2


@pytest.mark.django_db
def test_an_edit_of_an_unknown_comment_is_ignored_with_a_reason(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment_edited"))
    edit = InboundMessage.objects.get()
    assert edit.state == State.IGNORED
    assert "never received" in edit.last_error
    assert not Complaint.objects.exists()


def test_an_edit_of_a_message_without_a_complaint_is_ignored_with_a_reason(
    client, world, django_capture_on_commit_callbacks
):
    # The original is stored but not (yet) a complaint, e.g. still in a draft.
    post(client, fixture("page_comment"))
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment_edited"))
    edit = InboundMessage.objects.get(provider_message_id__contains=":edited:")
    assert edit.state == State.IGNORED
    assert "not (yet) part of a complaint" in edit.last_error
    assert not Complaint.objects.exists()


# --- Other events --------------------------------------------------------------------------


def test_prompt_answers_and_a_like_are_stored_but_make_no_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("messenger_prompts"))
    # The quick reply, the postback and the like; the reaction is not stored at all.
    assert response.json() == {"received": 3, "new": 3}
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {State.IGNORED}
    assert not Complaint.objects.exists()


def test_a_delivery_receipt_marks_our_reply_delivered(
    client, world, django_capture_on_commit_callbacks
):
    reply = OutboundMessage.objects.create(
        channel=Channel.FACEBOOK,
        recipient=PSID,
        body="Sigap: laporan diterima.",
        state=Sent.SENT,
        sent_at=timezone.now(),
        provider_message_id="m_OUR-ACK-1",
        delivery_status="sent",
        dedupe_key="test:meta-delivery",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("messenger_receipts"))
    # The read receipt names no message (only a watermark), so only the delivery is kept.
    assert response.json() == {"received": 1, "new": 1}
    assert InboundMessage.objects.get().state == State.IGNORED
    reply.refresh_from_db()
    assert reply.delivery_status == "delivered"
    assert not Complaint.objects.exists()


def test_an_instagram_delivery_keeps_dms_and_story_mentions_and_skips_echoes(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("instagram_dm"))
    # The text, the story mention and the read receipt; the echo and the unsend are skipped.
    assert response.json() == {"received": 3, "new": 3}
    text = InboundMessage.objects.get(provider_message_id__endswith="MDU2")
    assert text.channel == Channel.INSTAGRAM
    assert text.complaint.text == "Trotoar rusak di depan Pasar Kosambi 🚧"
    assert text.complaint.channel == Channel.INSTAGRAM
    ack = OutboundMessage.objects.get(complaint=text.complaint)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (Channel.INSTAGRAM, IGSID, "")
    # A story that tags the city is a report too: its photo, told apart by its text.
    story = InboundMessage.objects.exclude(pk=text.pk).exclude(complaint=None).get()
    assert story.complaint.text == "Foto dikirim lewat Instagram tanpa keterangan."
