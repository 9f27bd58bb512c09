"""The Telegram channel: webhook, adapter, sender, media fetcher and setWebhook command.

Deliveries are hand-written Update JSON in the Bot API's real shape (python-telegram-bot's
Update.to_dict() without the *_chat_created flags it adds); the outbound side runs
against a local server playing the Bot API.
"""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from channels_intake import keywords, outbox
from channels_intake.models import InboundMedia, InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.normalized import Kind
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.registry import fetcher_for, sender_for
from channels_intake.providers.sending import PermanentSendError, TemporarySendError
from channels_intake.providers.telegram import adapter as telegram
from channels_intake.providers.telegram.sender import TelegramSender
from complaints.models import Channel, Complaint, Reporter

from .telegram_helpers import (
    BOT_TOKEN,
    CHAT_ID,
    PHOTO_PATH,
    SECRET_TOKEN,
    FakeBotApi,
    fixture,
    post,
)

State = InboundMessage.State


@pytest.fixture(autouse=True)
def _telegram_settings(settings):
    settings.TELEGRAM_SECRET_TOKEN = SECRET_TOKEN
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    # Chat drafts: 0 submits each message at once, so one message is one complaint.
    settings.CONVERSATION_WINDOW_SECONDS = 0
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"


@pytest.fixture
def bot_api(settings):
    api = FakeBotApi()
    settings.TELEGRAM_API_BASE = api.base
    yield api
    api.stop()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


# --- Webhook: refusals ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("unset", ["TELEGRAM_SECRET_TOKEN", "TELEGRAM_BOT_TOKEN"])
def test_it_refuses_everything_while_the_bot_is_not_configured(client, settings, unset):
    setattr(settings, unset, "")
    response = post(client, fixture("text"))
    assert response.status_code == 503
    assert unset in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_delivery_without_the_secret_token_is_forbidden(client):
    response = post(client, fixture("text"), secret=None)
    assert response.status_code == 403
    assert "X-Telegram-Bot-Api-Secret-Token" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["wrong-token", SECRET_TOKEN[:-1], SECRET_TOKEN + "x", ""])
def test_a_wrong_secret_token_is_forbidden(client, secret):
    assert post(client, fixture("text"), secret=secret).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_forged_update_is_forbidden_and_nothing_is_stored(client):
    # Telegram signs no body: a tampered update is only refused for lacking the secret,
    # which the forger does not have (docs/channels/telegram.md).
    forged = fixture("text").replace(b"Jalan berlubang", b"Semua baik")
    assert post(client, forged, secret="guessed").status_code == 403
    assert post(client, forged, secret=None).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"update_id":861234501,"message":{', "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"message":{"message_id":1}}', "no integer update_id"),
        (b'{"update_id":1,"message":{"message_id":1,"date":1}}', "Unexpected payload shape"),
    ],
)
def test_a_malformed_update_is_a_400_with_a_reason(client, raw, reason):
    response = post(client, raw)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_only_post_is_allowed(client):
    assert client.get("/webhooks/telegram/").status_code == 405


# --- Webhook: storing then processing ------------------------------------------------------


@pytest.mark.django_db
def test_an_update_is_stored_before_anything_is_processed(client):
    raw = fixture("text")
    response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert message.channel == Channel.TELEGRAM
    assert message.provider_message_id == f"{CHAT_ID}:42"
    assert message.sender_id == str(CHAT_ID)
    assert message.reply_address == str(CHAT_ID)
    assert message.state == State.RECEIVED
    assert bytes(message.body) == raw
    # The secret token is a credential: checked, never kept with the message.
    assert message.headers == {"Content-Type": "application/json"}
    assert SECRET_TOKEN not in json.dumps(message.headers)
    assert not Complaint.objects.exists()


def test_an_emoji_message_is_accepted_as_utf8_and_as_escaped_json(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("text")
    assert "😧🚧".encode() in raw
    escaped = json.dumps(json.loads(raw), ensure_ascii=True, separators=(",", ":")).encode()
    assert b"\\ud83d\\ude27" in escaped
    assert telegram.parse(raw) == telegram.parse(escaped)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, escaped).status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.text == "Jalan berlubang di Jl. Merdeka depan SDN 5 – bahaya 😧🚧"
    # The same message in the other encoding is the same message.
    assert post(client, raw).json() == {"received": 1, "new": 0}


def test_a_redelivered_update_creates_nothing_new(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("text")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, raw)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, raw)
    assert response.json() == {"received": 1, "new": 0}
    assert callbacks == []
    # After a bot reset Telegram numbers updates afresh; the message is still the same one.
    renumbered = raw.replace(b'"update_id":861234501', b'"update_id":1')
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert post(client, renumbered).json() == {"received": 1, "new": 0}
    assert callbacks == []
    assert InboundMessage.objects.count() == 1
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["from_bot", "group", "channel_post", "my_chat_member"])
def test_bots_groups_channels_and_membership_changes_are_ignored(client, name):
    response = post(client, fixture(name))
    assert response.status_code == 200  # a refusal would make Telegram retry
    assert response.json() == {"received": 0, "new": 0}
    assert not InboundMessage.objects.exists()


def test_a_photo_becomes_a_complaint_acknowledged_in_the_chat(
    client, world, bot_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("photo"))
    assert response.json() == {"received": 1, "new": 1}

    message = InboundMessage.objects.get()
    assert message.state == State.PROCESSED
    complaint = message.complaint
    assert complaint.channel == Channel.TELEGRAM
    assert complaint.text == "Sampah menumpuk di pinggir Sungai Cikapundung"
    assert complaint.reporter.name == "Budi Santoso"
    handle = ReporterHandle.objects.get()
    assert (handle.channel, handle.handle, handle.reporter) == (
        Channel.TELEGRAM,
        str(CHAT_ID),
        complaint.reporter,
    )

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (Channel.TELEGRAM, str(CHAT_ID), "")
    assert complaint.tracking_code in ack.body
    assert ack.state == OutboundMessage.State.SENT
    (request,) = bot_api.calls("sendMessage")
    assert request["token"] == BOT_TOKEN
    assert request["json"] == {"chat_id": str(CHAT_ID), "text": ack.body}
    assert ack.provider_message_id == f"{CHAT_ID}:901"


def test_the_next_message_of_the_same_user_finds_the_same_reporter(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("text"))
        post(client, fixture("location"))
    assert Complaint.objects.count() == 2
    assert Reporter.objects.count() == 1
    located = Complaint.objects.get(latitude__isnull=False)
    assert (str(located.latitude), str(located.longitude)) == ("-6.914744", "107.609811")


def test_an_edit_is_stored_as_its_own_delivery(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("text"))
        response = post(client, fixture("edited_message"))
    assert response.json() == {"received": 1, "new": 1}
    ids = set(InboundMessage.objects.values_list("provider_message_id", flat=True))
    assert ids == {f"{CHAT_ID}:42", f"{CHAT_ID}:42:edited:1714550460"}


def test_a_button_tap_is_stored_but_makes_no_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("callback_query"))
    message = InboundMessage.objects.get()
    assert message.provider_message_id == "callback:2152980743893476317"
    assert message.state == State.IGNORED
    assert not Complaint.objects.exists()


# --- The adapter on its own ----------------------------------------------------------------


def test_it_parses_a_text_message():
    (message,) = telegram.parse(fixture("text"))
    assert message.kind == Kind.MESSAGE
    assert message.channel == Channel.TELEGRAM
    assert message.provider_message_id == f"{CHAT_ID}:42"
    assert message.sender_id == str(CHAT_ID)
    assert message.reply_address == str(CHAT_ID)
    assert message.sender_name == "Budi Santoso"
    assert message.sender_phone == ""
    assert message.message_type == "text"
    assert message.text.endswith("bahaya 😧🚧")
    assert message.timestamp == 1714550400


def test_a_name_falls_back_to_the_username():
    update = json.loads(fixture("text"))
    update["message"]["from"] = {"id": CHAT_ID, "is_bot": False, "first_name": "", "username": "bs"}
    (message,) = telegram.parse(json.dumps(update).encode())
    assert message.sender_name == "bs"


def test_it_takes_the_largest_photo_size():
    (message,) = telegram.parse(fixture("photo"))
    assert message.message_type == "image"
    (photo,) = message.attachments
    assert photo.media_id == "AgACAgUAAxkBAAMrZjKx1large0003"
    assert (photo.kind, photo.mime_type) == ("image", "image/jpeg")
    # Telegram lists sizes smallest first, but the choice does not depend on the order.
    update = json.loads(fixture("photo"))
    update["message"]["photo"].reverse()
    (reordered,) = telegram.parse(json.dumps(update).encode())
    assert reordered.attachments == message.attachments


def test_it_parses_documents_voice_and_video():
    (document,) = telegram.parse(fixture("document"))
    (attachment,) = document.attachments
    assert document.message_type == "document"
    assert document.text == "Foto asli dari galeri"
    # A gallery photo sent as a file is still a photo for the complaint.
    assert (attachment.kind, attachment.mime_type) == ("image", "image/jpeg")
    assert attachment.media_id == "BQACAgUAAxkBAAMuZjKyDocument0001"
    assert attachment.filename == "IMG_20240501_093012.jpg"

    (voice,) = telegram.parse(fixture("voice"))
    assert voice.message_type == "audio"
    assert voice.attachments[0].kind == "audio"
    assert voice.attachments[0].mime_type == "audio/ogg"

    update = json.loads(fixture("voice"))
    del update["message"]["voice"]
    update["message"]["video"] = {
        "duration": 12,
        "width": 848,
        "height": 480,
        "file_name": "banjir.mp4",
        "mime_type": "video/mp4",
        "file_id": "BAACAgUAAxkBAAMwZjKyVideo000001",
        "file_unique_id": "AgADvideo1",
        "file_size": 1834567,
    }
    update["message"]["caption"] = "Banjir setinggi lutut"
    (video,) = telegram.parse(json.dumps(update).encode())
    assert (video.message_type, video.text) == ("video", "Banjir setinggi lutut")
    assert (video.attachments[0].kind, video.attachments[0].filename) == ("video", "banjir.mp4")


def test_it_parses_a_location_and_a_venue():
    (location,) = telegram.parse(fixture("location"))
    assert location.message_type == "location"
    assert (location.latitude, location.longitude) == (-6.914744, 107.609811)
    assert location.has_content
    (venue,) = telegram.parse(fixture("venue"))
    assert venue.message_type == "location"
    assert (venue.latitude, venue.longitude) == (-6.902454, 107.618778)
    assert venue.address == "Gedung Sate, Jl. Diponegoro No.22, Citarum, Bandung Wetan"


def test_a_shared_own_contact_gives_the_phone_number():
    (message,) = telegram.parse(fixture("contact"))
    assert message.message_type == "contact"
    assert message.sender_phone == "+6281234567890"
    assert message.reply_to == f"{CHAT_ID}:41"
    # Someone else's contact card says nothing about who is writing.
    update = json.loads(fixture("contact"))
    update["message"]["contact"]["user_id"] = 6098765432
    (other,) = telegram.parse(json.dumps(update).encode())
    assert other.sender_phone == ""
    del update["message"]["contact"]["user_id"]
    (no_user,) = telegram.parse(json.dumps(update).encode())
    assert no_user.sender_phone == ""


def test_a_shared_contact_teaches_us_the_reporters_phone_and_files_nothing(
    client, world, bot_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("text"))
    reporter = Complaint.objects.get().reporter
    assert reporter.phone == ""
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("contact"))
    reporter.refresh_from_db()
    assert reporter.phone == "+6281234567890"
    assert Complaint.objects.count() == 1
    contact = InboundMessage.objects.get(provider_message_id=f"{CHAT_ID}:48")
    assert contact.state == State.PROCESSED


def test_an_edit_names_the_message_it_edits():
    (edit,) = telegram.parse(fixture("edited_message"))
    assert edit.kind == Kind.EDIT
    assert edit.edit_of == f"{CHAT_ID}:42"
    assert edit.provider_message_id == f"{CHAT_ID}:42:edited:1714550460"
    assert edit.text.endswith("lebar sekitar 1 meter")
    assert edit.timestamp == 1714550460


def test_a_moving_live_location_is_not_an_edit_to_follow():
    update = json.loads(fixture("location"))
    message = update.pop("message")
    message["location"]["live_period"] = 900
    message["edit_date"] = 1714550430
    update["edited_message"] = message
    assert telegram.parse(json.dumps(update).encode()) == []


def test_a_button_tap_carries_its_data_and_label():
    (tap,) = telegram.parse(fixture("callback_query"))
    assert tap.message_type == "button"
    assert tap.reply_id == "confirm_yes"
    assert tap.text == "Ya, kirim"
    # The id our sender recorded for the message the button was under.
    assert tap.reply_to == f"{CHAT_ID}:77"
    assert tap.reply_address == str(CHAT_ID)
    assert tap.sender_id == str(CHAT_ID)


@pytest.mark.parametrize(
    ("text", "expected", "command"),
    [
        ("/start", "INFO", keywords.Command.HELP),
        ("/start kampanye-rw05", "INFO", keywords.Command.HELP),
        ("/help", "INFO", keywords.Command.HELP),
        ("/help@SigapBandungBot", "INFO", keywords.Command.HELP),
        ("/cek AB12CD34", "CEK AB12CD34", keywords.Command.STATUS),
        ("/cek@SigapBandungBot ab12cd34", "CEK ab12cd34", keywords.Command.STATUS),
        ("/lapor lampu jalan mati", "LAPOR lampu jalan mati", keywords.Command.REPORT),
        ("/menu", "INFO", keywords.Command.HELP),
        ("Jalan rusak, lihat /foto nanti", "Jalan rusak, lihat /foto nanti", None),
    ],
)
def test_commands_become_the_keywords_every_channel_understands(text, expected, command):
    update = json.loads(fixture("start"))
    update["message"]["text"] = text
    (message,) = telegram.parse(json.dumps(update).encode())
    assert (message.message_type, message.text) == ("text", expected)
    if command is not None:
        assert keywords.parse(message.text).command == command
    assert telegram.parse(fixture("start"))[0].text == "INFO"


def test_unknown_update_kinds_parse_to_nothing():
    for name in ("channel_post", "my_chat_member", "from_bot", "group"):
        assert telegram.parse(fixture(name)) == []
    assert telegram.parse(b'{"update_id":5,"poll":{"id":"1","question":"?","options":[]}}') == []


def test_the_secret_token_compare():
    assert telegram.verify_secret_token(SECRET_TOKEN, SECRET_TOKEN)
    assert telegram.sign_headers(SECRET_TOKEN) == {"X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN}
    assert not telegram.verify_secret_token(None, SECRET_TOKEN)
    assert not telegram.verify_secret_token("", "")
    assert not telegram.verify_secret_token(SECRET_TOKEN, "")


# --- Sender --------------------------------------------------------------------------------


def outbound(body: str = "Sigap: laporan AB12CD34 diterima.", key: str = "t1") -> OutboundMessage:
    return OutboundMessage.objects.create(
        channel=Channel.TELEGRAM, recipient=str(CHAT_ID), body=body, dedupe_key=key
    )


@pytest.mark.django_db
def test_the_sender_posts_send_message(bot_api):
    sender = sender_for(Channel.TELEGRAM)
    assert isinstance(sender, TelegramSender)
    result = sender.send(outbound("Sigap: laporan diterima 👍"))
    assert result.provider_message_id == f"{CHAT_ID}:901"
    (request,) = bot_api.requests
    assert (request["http"], request["path"]) == ("POST", f"/bot{BOT_TOKEN}/sendMessage")
    assert request["json"] == {"chat_id": str(CHAT_ID), "text": "Sigap: laporan diterima 👍"}


def test_without_a_bot_token_replies_only_go_to_the_log(settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    assert not isinstance(sender_for(Channel.TELEGRAM), TelegramSender)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: bot was blocked by the user"),
        (401, "Unauthorized"),
    ],
)
def test_a_client_error_is_permanent(bot_api, status, description):
    bot_api.script["sendMessage"] = [
        (status, {"ok": False, "error_code": status, "description": description})
    ]
    with pytest.raises(PermanentSendError) as raised:
        sender_for(Channel.TELEGRAM).send(outbound())
    assert str(raised.value) == f"HTTP {status}: {description}"
    assert BOT_TOKEN not in str(raised.value)


@pytest.mark.django_db
def test_too_many_requests_is_temporary(bot_api):
    bot_api.script["sendMessage"] = [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 14",
                "parameters": {"retry_after": 14},
            },
        )
    ]
    with pytest.raises(TemporarySendError, match=r"HTTP 429: .*\(retry after 14 s\)"):
        sender_for(Channel.TELEGRAM).send(outbound())


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_is_temporary(bot_api, status):
    bot_api.script["sendMessage"] = [
        (status, {"ok": False, "error_code": status, "description": "Internal Server Error"})
    ]
    with pytest.raises(TemporarySendError, match=f"HTTP {status}"):
        sender_for(Channel.TELEGRAM).send(outbound())


@pytest.mark.django_db
def test_a_network_error_is_temporary_and_hides_the_token(bot_api):
    bot_api.stop()
    with pytest.raises(TemporarySendError, match="Network error") as raised:
        sender_for(Channel.TELEGRAM).send(outbound())
    assert BOT_TOKEN not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.django_db
def test_the_outbox_retries_a_429_and_fails_a_400_at_once(bot_api):
    bot_api.script["sendMessage"] = [
        (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3"}),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
    ]
    first, second = outbound(key="a"), outbound(key="b")
    assert outbox.outbound_send(message_id=first.pk).retry_in == outbox.BACKOFF_BASE_SECONDS
    assert outbox.outbound_send(message_id=second.pk).state == OutboundMessage.State.FAILED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == OutboundMessage.State.PENDING
    assert "HTTP 429" in first.last_error
    assert second.last_error == "HTTP 400: Bad Request: chat not found"
    assert second.attempts == 1
    assert len(bot_api.calls("sendMessage")) == 2


# --- Media fetcher -------------------------------------------------------------------------


def media(file_id: str = "AgACAgUAAxkBAAMrZjKx1large0003", **extra) -> InboundMedia:
    return InboundMedia(kind="image", media_id=file_id, mime_type="image/jpeg", **extra)


def test_the_fetcher_asks_get_file_then_downloads(bot_api):
    photo = jpeg()
    bot_api.files[PHOTO_PATH] = photo
    fetched = fetcher_for("telegram")(media())
    assert fetched.content == photo
    assert fetched.content_type == "image/jpeg"
    assert fetched.filename == "file_7.jpg"
    get_file, download = bot_api.requests
    assert (get_file["http"], get_file["path"]) == ("GET", f"/bot{BOT_TOKEN}/getFile")
    assert get_file["query"] == {"file_id": "AgACAgUAAxkBAAMrZjKx1large0003"}
    assert (download["http"], download["path"]) == ("GET", f"/file/bot{BOT_TOKEN}/{PHOTO_PATH}")


def test_a_document_keeps_its_name_and_type(bot_api):
    bot_api.files[PHOTO_PATH] = b"%PDF-1.4 surat"
    document = InboundMedia(
        kind="document", media_id="BQAC1", mime_type="application/pdf", filename="surat.pdf"
    )
    fetched = fetcher_for("telegram")(document)
    assert (fetched.content_type, fetched.filename) == ("application/pdf", "surat.pdf")


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, PermanentFetchError), (429, TemporaryFetchError), (502, TemporaryFetchError)],
)
def test_get_file_errors_keep_their_kind_and_hide_the_token(bot_api, status, error):
    bot_api.script["getFile"] = [
        (status, {"ok": False, "error_code": status, "description": "Bad Request: invalid"})
    ]
    with pytest.raises(error, match=f"HTTP {status}") as raised:
        fetcher_for("telegram")(media())
    assert BOT_TOKEN not in str(raised.value)
    assert len(bot_api.requests) == 1


def test_a_file_gone_from_the_server_is_permanent(bot_api):
    with pytest.raises(PermanentFetchError, match="HTTP 404"):
        fetcher_for("telegram")(media())
    assert [r["method"] for r in bot_api.requests] == ["getFile", "file"]


def test_a_file_over_the_limit_is_not_downloaded(bot_api, settings):
    settings.INBOUND_MEDIA_MAX_MB = 1
    bot_api.script["getFile"] = [
        (200, {"ok": True, "result": {"file_id": "x", "file_size": 5_000_000, "file_path": "a"}})
    ]
    with pytest.raises(PermanentFetchError, match="over the limit"):
        fetcher_for("telegram")(media())
    assert len(bot_api.requests) == 1


def test_a_get_file_answer_without_a_path_is_permanent(bot_api):
    bot_api.script["getFile"] = [(200, {"ok": True, "result": {"file_id": "x"}})]
    with pytest.raises(PermanentFetchError, match="without a file_path"):
        fetcher_for("telegram")(media())


def test_the_fetcher_needs_the_bot_token(settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(PermanentFetchError, match="TELEGRAM_BOT_TOKEN"):
        fetcher_for("telegram")(media())


def test_a_network_error_while_fetching_is_temporary(bot_api):
    bot_api.stop()
    with pytest.raises(TemporaryFetchError, match="Network error") as raised:
        fetcher_for("telegram")(media())
    assert BOT_TOKEN not in str(raised.value)


# --- telegram_set_webhook ------------------------------------------------------------------


def test_the_command_sets_the_webhook_with_the_secret(bot_api):
    out = io.StringIO()
    call_command("telegram_set_webhook", stdout=out)
    (request,) = bot_api.requests
    assert (request["http"], request["path"]) == ("POST", f"/bot{BOT_TOKEN}/setWebhook")
    assert request["json"] == {
        "url": "https://lapor.bandung.go.id/webhooks/telegram/",
        "secret_token": SECRET_TOKEN,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }
    assert "https://lapor.bandung.go.id/webhooks/telegram/" in out.getvalue()
    assert "Webhook was set" in out.getvalue()
    assert BOT_TOKEN not in out.getvalue()


def test_the_command_can_drop_pending_updates(bot_api):
    call_command("telegram_set_webhook", "--drop-pending-updates", stdout=io.StringIO())
    assert bot_api.requests[0]["json"]["drop_pending_updates"] is True


def test_the_command_reports_telegram_refusing(bot_api):
    bot_api.script["setWebhook"] = [
        (
            400,
            {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: bad webhook: Failed to resolve host",
            },
        )
    ]
    with pytest.raises(CommandError, match="HTTP 400: Bad Request: bad webhook") as raised:
        call_command("telegram_set_webhook")
    assert BOT_TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("TELEGRAM_BOT_TOKEN", "", "Set TELEGRAM_BOT_TOKEN"),
        ("TELEGRAM_SECRET_TOKEN", "", "Set TELEGRAM_BOT_TOKEN"),
        ("TELEGRAM_SECRET_TOKEN", "has spaces and $", "1-256 characters"),
        ("PUBLIC_BASE_URL", "http://127.0.0.1:8000", "needs an https:// webhook"),
    ],
)
def test_the_command_refuses_what_telegram_would_refuse(bot_api, settings, setting, value, message):
    setattr(settings, setting, value)
    with pytest.raises(CommandError, match=message):
        call_command("telegram_set_webhook")
    assert bot_api.requests == []


def test_the_command_reports_an_unreachable_api(bot_api):
    bot_api.stop()
    with pytest.raises(CommandError, match="could not be reached") as raised:
        call_command("telegram_set_webhook")
    assert BOT_TOKEN not in str(raised.value)
