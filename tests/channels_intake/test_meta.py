"""Facebook Page and Instagram: Meta's handshake, signatures, parsing, edits, replies, media.

Fixtures (fixtures/meta/) are serialised the way Meta sends them: compact JSON with
non-ASCII escaped as \\uXXXX, and every request is signed over exactly those bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_intake import outbox
from channels_intake.models import InboundMedia, InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.normalized import Kind
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.meta import adapter as meta
from channels_intake.providers.meta.sender import MetaSender
from channels_intake.providers.registry import (
    configured_sender,
    fetcher_for,
    parser_for,
    providers_of,
)
from channels_intake.providers.sending import PermanentSendError, TemporarySendError
from complaints.models import Channel, Complaint, ComplaintEvent, Status

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
APP_SECRET = "test-meta-app-secret"
VERIFY_TOKEN = "test-meta-verify-token"
PAGE_TOKEN = "test-page-access-token"
URL = "/webhooks/meta/"
PAGE_ID = "104857600012345"
PSID = "6543210987654321"
IGSID = "5678901234567890"
COMMENT_ID = "901234567890123_445566778899001"
IG_COMMENT_ID = "17865432109876543"
State = InboundMessage.State
Sent = OutboundMessage.State


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signature(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post(client, raw: bytes, *, sign_with: str | None = APP_SECRET, header: str | None = None):
    headers = {}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    elif sign_with is not None:
        headers["X-Hub-Signature-256"] = signature(raw, sign_with)
    return client.post(URL, data=raw, content_type="application/json", headers=headers)


@pytest.fixture(autouse=True)
def _meta_settings(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_PAGE_ACCESS_TOKEN = ""
    # Each chat message is submitted at once (no draft window) in these tests.
    settings.CONVERSATION_WINDOW_SECONDS = 0


class FakeGraphApi:
    """Plays graph.facebook.com: POST /v21.0/me/messages (scripted answers), GET /cdn/<file>."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self.files: dict[str, tuple[int, bytes, str]] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(raw),
                    }
                )
                status, answer = (
                    api.script.pop(0)
                    if api.script
                    else (
                        200,
                        {"recipient_id": PSID, "message_id": f"m_OUT{len(api.requests)}"},
                    )
                )
                self._answer(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                api.requests.append(
                    {
                        "method": "GET",
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                    }
                )
                status, body, content_type = api.files.get(
                    self.path, (404, b"not found", "text/plain")
                )
                self._answer(status, body, content_type)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = f"{self.origin}/v21.0"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def posts(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph_api(settings):
    api = FakeGraphApi()
    settings.META_API_BASE = api.base
    settings.META_PAGE_ACCESS_TOKEN = PAGE_TOKEN
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    yield api
    api.stop()


def outbound(**fields) -> OutboundMessage:
    defaults = {
        "channel": Channel.FACEBOOK,
        "recipient": PSID,
        "body": "Sigap: laporan diterima.",
        "dedupe_key": "meta-test",
    }
    return OutboundMessage(**{**defaults, **fields})


# --- GET handshake -------------------------------------------------------------------------


def test_it_answers_the_handshake_with_the_raw_challenge(client):
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "987654321",
        "hub.verify_token": VERIFY_TOKEN,
    }
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.content == b"987654321"
    assert response["Content-Type"].startswith("text/plain")
    assert reverse("channels_intake:meta") == URL


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": "wrong"},
        {"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN},
        {"hub.challenge": "1"},
    ],
)
def test_it_forbids_a_wrong_handshake(client, query):
    assert client.get(URL, query).status_code == 403


def test_it_forbids_the_handshake_when_no_token_is_configured(client, settings):
    settings.META_VERIFY_TOKEN = ""
    query = {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""}
    assert client.get(URL, query).status_code == 403


# --- POST: refusals ------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_everything_without_an_app_secret(client, settings):
    settings.META_APP_SECRET = ""
    response = post(client, fixture("messenger_text"), sign_with="")
    assert response.status_code == 503
    assert "META_APP_SECRET" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_missing_signature_is_forbidden(client):
    assert post(client, fixture("messenger_text"), sign_with=None).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_tampered_body_is_forbidden_and_nothing_is_stored(client):
    raw = fixture("page_comment")
    tampered = raw.replace(b"diperbaiki", b"dibiarkan")
    response = post(client, tampered, header=signature(raw))
    assert response.status_code == 403
    assert "X-Hub-Signature-256" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_signature_made_with_another_secret_is_forbidden(client):
    assert post(client, fixture("instagram_dm"), sign_with="not-the-secret").status_code == 403


@pytest.mark.django_db
def test_malformed_json_is_a_400_with_a_reason(client):
    response = post(client, b'{"object": "page", "entry": [')
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_another_object_is_a_400(client):
    raw = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    response = post(client, raw)
    assert response.status_code == 400
    assert "'page' or 'instagram'" in response.json()["error"]


@pytest.mark.django_db
def test_a_message_without_its_mid_is_a_400(client):
    raw = json.dumps(
        {
            "object": "page",
            "entry": [{"id": PAGE_ID, "messaging": [{"sender": {"id": PSID}, "message": {}}]}],
        }
    ).encode()
    response = post(client, raw)
    assert response.status_code == 400
    assert "mid" in response.json()["error"]


def test_only_get_and_post_are_allowed(client):
    assert client.put(URL).status_code == 405


# --- POST: storing, dedupe, our own traffic ------------------------------------------------


@pytest.mark.django_db
def test_a_signed_message_is_stored_before_anything_is_processed(client):
    raw = fixture("messenger_text")
    response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert (message.channel, message.provider_message_id) == (Channel.FACEBOOK, "m_AbC123-lampu")
    assert message.state == State.RECEIVED
    assert bytes(message.body) == raw
    assert (message.sender_id, message.reply_address, message.thread_ref) == (PSID, PSID, "")
    assert message.headers["X-Hub-Signature-256"] == signature(raw)
    assert not Complaint.objects.exists()


def test_the_emoji_message_verifies_over_the_escaped_bytes(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("messenger_text")
    assert b"\\ud83d\\ude27" in raw and b"\\u2013" in raw  # escaped as Meta sends it
    assert meta.verify_signature(raw, signature(raw), APP_SECRET)
    redumped = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not meta.verify_signature(redumped, signature(raw), APP_SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, raw).status_code == 200
    complaint = InboundMessage.objects.get().complaint
    assert complaint.text == "Lampu jalan mati di RT 05 – gelap sekali 😧"


def test_a_redelivered_message_creates_nothing_new(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("page_comment")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, raw)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 0}
    assert callbacks == []
    assert InboundMessage.objects.count() == 1
    assert Complaint.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_our_own_echo_is_not_stored(client):
    response = post(client, fixture("messenger_echo"))
    assert response.status_code == 200
    assert response.json() == {"received": 0, "new": 0}
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_the_pages_own_comment_a_removal_and_a_reaction_are_not_stored(client):
    response = post(client, fixture("page_feed_ignored"))
    assert response.status_code == 200
    assert response.json() == {"received": 0, "new": 0}
    assert not InboundMessage.objects.exists()


def test_the_instagram_accounts_own_comment_is_not_stored(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("instagram_comment"))
    assert response.json() == {"received": 1, "new": 1}
    assert InboundMessage.objects.get().provider_message_id == IG_COMMENT_ID


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
    from dispositions.services import complaint_assign

    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("page_comment"))
    complaint = InboundMessage.objects.get().complaint
    with django_capture_on_commit_callbacks(execute=True):
        complaint_assign(
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


# --- The adapter on its own ----------------------------------------------------------------


def test_it_parses_a_story_mention_as_an_image_on_the_cdn():
    _text, story, read = meta.parse(fixture("instagram_dm"))
    assert story.channel == Channel.INSTAGRAM
    assert story.message_type == "story_mention"
    (media,) = story.attachments
    assert media.kind == "image"
    assert media.url.startswith("https://lookaside.fbsbx.com/ig_messaging_cdn/")
    assert (read.kind, read.status, read.status_for) == (
        Kind.STATUS,
        "read",
        "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDA4NDYwMDU4",
    )


def test_it_parses_locations_files_and_audio():
    location, files = meta.parse(fixture("messenger_location_file"))
    assert location.message_type == "location"
    assert (location.latitude, location.longitude) == (-6.9175, 107.6191)
    assert location.has_content
    assert files.message_type == "document"
    assert [(a.kind, a.url.rsplit("/", 1)[-1]) for a in files.attachments] == [
        ("document", "surat_keterangan.pdf?_nc_cat=1"),
        ("audio", "audioclip.mp4"),
    ]


def test_it_parses_quick_replies_postbacks_and_the_like_button():
    quick, postback, like = meta.parse(fixture("messenger_prompts"))
    assert (quick.message_type, quick.reply_id, quick.text) == (
        "quick_reply",
        "confirm_yes",
        "Ya, benar",
    )
    assert (postback.provider_message_id, postback.message_type, postback.reply_id) == (
        "m_PB-001",
        "postback",
        "START_REPORT",
    )
    assert (like.message_type, like.attachments) == ("sticker", ())
    assert not like.has_content


def test_it_parses_comment_edits_with_an_id_per_text():
    (edit,) = meta.parse(fixture("page_comment_edited"))
    assert edit.kind == Kind.EDIT
    assert edit.edit_of == COMMENT_ID
    assert edit.is_public and edit.thread_ref == COMMENT_ID
    again = fixture("page_comment_edited").replace(b"makin dalam", b"makin lebar")
    (other,) = meta.parse(again)
    assert other.provider_message_id != edit.provider_message_id
    assert meta.parse(fixture("page_comment_edited"))[0] == edit  # stable across deliveries


def test_it_parses_instagram_mentions_as_public_messages_without_content():
    comment, caption = meta.parse(fixture("instagram_mention"))
    assert comment.provider_message_id == "mention:18023456789012345:17876543210987654"
    assert (comment.message_type, comment.is_public, comment.thread_ref) == (
        "mention",
        True,
        "17876543210987654",
    )
    assert caption.thread_ref == "" and not caption.has_content


def test_both_channels_parse_with_the_same_adapter():
    (facebook,) = providers_of(Channel.FACEBOOK)
    (instagram,) = providers_of(Channel.INSTAGRAM)
    assert facebook is instagram
    assert parser_for(facebook.name) is meta.parse


# --- The sender against a local Graph API --------------------------------------------------


def test_the_factory_builds_a_sender_only_with_a_page_token(settings):
    settings.META_PAGE_ACCESS_TOKEN = ""
    assert configured_sender(Channel.FACEBOOK) is None
    assert configured_sender(Channel.INSTAGRAM) is None
    settings.META_PAGE_ACCESS_TOKEN = PAGE_TOKEN
    assert isinstance(configured_sender(Channel.FACEBOOK), MetaSender)
    assert isinstance(configured_sender(Channel.INSTAGRAM), MetaSender)


def test_it_sends_a_dm_and_a_private_reply(graph_api):
    sender = MetaSender(api_base=graph_api.base, access_token=PAGE_TOKEN)
    dm = sender.send(outbound(body="Halo 👋"))
    reply = sender.send(outbound(channel=Channel.INSTAGRAM, thread_ref=IG_COMMENT_ID))
    assert (dm.provider_message_id, reply.provider_message_id) == ("m_OUT1", "m_OUT2")
    first, second = graph_api.posts()
    assert first["path"] == "/v21.0/me/messages"
    assert first["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert first["content_type"] == "application/json"
    assert first["json"] == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Halo 👋"},
    }
    assert second["json"]["recipient"] == {"comment_id": IG_COMMENT_ID}


def test_a_client_error_is_permanent(graph_api):
    graph_api.script = [(400, {"error": {"message": "(#100) No matching user found", "code": 100}})]
    sender = MetaSender(api_base=graph_api.base, access_token=PAGE_TOKEN)
    with pytest.raises(PermanentSendError, match="No matching user"):
        sender.send(outbound())


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, {"message": "An unexpected error has occurred.", "code": 2}),
        (503, {}),
        (429, {"message": "Too many requests"}),
        (400, {"message": "(#613) Calls to this api have exceeded the rate limit.", "code": 613}),
        (403, {"message": "(#4) Application request limit reached", "code": 4}),
        (400, {"message": "(#32) Page request limit reached", "code": 32}),
        (400, {"message": "(#17) User request limit reached", "code": 17}),
        (400, {"message": "Temporary issue", "code": 1200, "is_transient": True}),
    ],
)
def test_server_errors_and_rate_limits_are_temporary(graph_api, status, error):
    graph_api.script = [(status, {"error": error})]
    sender = MetaSender(api_base=graph_api.base, access_token=PAGE_TOKEN)
    with pytest.raises(TemporarySendError, match=f"HTTP {status}"):
        sender.send(outbound())


def test_an_answer_without_a_message_id_is_permanent(graph_api):
    graph_api.script = [(200, {"recipient_id": PSID})]
    sender = MetaSender(api_base=graph_api.base, access_token=PAGE_TOKEN)
    with pytest.raises(PermanentSendError, match="without a message id"):
        sender.send(outbound())


def test_the_outbox_retries_a_rate_limit_then_fails_a_rejected_reply(db, graph_api):
    message = outbound(dedupe_key="meta-outbox", thread_ref=COMMENT_ID)
    message.save()
    graph_api.script = [(400, {"error": {"message": "(#613) rate limit", "code": 613}})]
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.retry_in == outbox.BACKOFF_BASE_SECONDS
    assert message.state == Sent.PENDING

    # Meta allows one private reply per comment: a second is refused for good.
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
    graph_api.script = [
        (400, {"error": {"message": "(#10900) Activity already replied to", "code": 10900}})
    ]
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.state == Sent.FAILED
    assert "10900" in message.last_error
    assert len(graph_api.posts()) == 2


# --- The media fetcher against a local CDN -------------------------------------------------


def test_it_fetches_an_attachment_from_the_cdn_without_the_token(graph_api):
    graph_api.files["/cdn/v/t1/441234567_n.jpg?oe=6650A1B2"] = (200, b"\xff\xd8jpeg", "image/jpeg")
    media = InboundMedia(
        kind="image", url=f"{graph_api.origin}/cdn/v/t1/441234567_n.jpg?oe=6650A1B2"
    )
    fetched = fetcher_for("meta")(media)
    assert [p.fetch for p in providers_of(Channel.FACEBOOK)] == [
        p.fetch for p in providers_of(Channel.INSTAGRAM)
    ]
    assert (fetched.content, fetched.content_type, fetched.filename) == (
        b"\xff\xd8jpeg",
        "image/jpeg",
        "441234567_n.jpg",
    )
    assert graph_api.requests[-1]["authorization"] is None


def test_an_expired_link_is_permanent_and_a_cdn_outage_temporary(graph_api):
    fetch = fetcher_for("meta")
    with pytest.raises(PermanentFetchError, match="HTTP 404"):
        fetch(InboundMedia(kind="image", url=f"{graph_api.origin}/cdn/expired.jpg"))
    graph_api.files["/cdn/busy.jpg"] = (503, b"busy", "text/plain")
    with pytest.raises(TemporaryFetchError, match="HTTP 503"):
        fetch(InboundMedia(kind="image", url=f"{graph_api.origin}/cdn/busy.jpg"))
    with pytest.raises(PermanentFetchError, match="no URL"):
        fetch(InboundMedia(kind="image", url=""))
