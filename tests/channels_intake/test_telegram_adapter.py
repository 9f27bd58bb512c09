"""The Telegram adapter on its own: messages, commands, contacts, buttons, edits."""

from __future__ import annotations

import json

import pytest

from channels_intake import keywords
from channels_intake.models import InboundMessage
from channels_intake.normalized import Kind
from channels_intake.providers.telegram import adapter as telegram
from complaints.models import Channel, Complaint

from .telegram_helpers import (
    CHAT_ID,
    SECRET_TOKEN,
    fixture,
    post,
)
from .telegram_support import State

pytestmark = pytest.mark.usefixtures("_telegram_settings")


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
