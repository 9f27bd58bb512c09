"""The X adapter on its own: mentions, DMs, media, locations and our own traffic."""

from __future__ import annotations

import json

import pytest

from channels_intake.providers.x import adapter as x

from .x_support import BUDI, DM_ID, MENTION_ID, MENTION_TEXT, SECRET, fixture, x_signature

pytestmark = pytest.mark.usefixtures("_x_settings")


# --- The adapter on its own ------------------------------------------------------------------


def test_it_parses_a_mention_without_our_handle_and_unescaped():
    (message,) = x.parse(fixture("mention"))
    assert message.provider_message_id == MENTION_ID
    assert (message.sender_id, message.reply_address, message.thread_ref) == (
        BUDI,
        BUDI,
        MENTION_ID,
    )
    assert message.is_public
    assert message.message_type == "text"
    assert message.text == MENTION_TEXT
    assert message.sender_name == "Budi Santoso"
    assert message.timestamp == 1714550400
    assert message.latitude is None and message.address == ""


def test_it_takes_the_full_text_photos_and_geojson_point_of_a_long_tweet():
    (message,) = x.parse(fixture("mention_extended_photos"))
    # The truncated "text" ends with an ellipsis; the full text does not, and its photo
    # link and our (lower-cased) handle are gone.
    assert "…" not in message.text and "t.co" not in message.text
    assert not message.text.startswith("@")
    assert message.text.endswith("Mohon segera ditindaklanjuti, terima kasih.")
    assert message.message_type == "image"
    assert [(a.media_id, a.kind, a.mime_type, a.url) for a in message.attachments] == [
        (
            "1785610000000000001",
            "image",
            "image/jpeg",
            "https://pbs.twimg.com/media/GMx1AbCaQAAqZ9x.jpg",
        ),
        (
            "1785610000000000002",
            "image",
            "image/png",
            "https://pbs.twimg.com/media/GMx1AbDbMAAk7Qp.png",
        ),
    ]
    # coordinates are [longitude, latitude]; the deprecated "geo" is [latitude, longitude].
    assert (message.latitude, message.longitude) == (-6.8935, 107.6045)


def test_a_reply_in_a_thread_keeps_the_other_handle_and_takes_a_point_of_interest():
    (message,) = x.parse(fixture("reply_in_thread"))
    assert message.text == "@budi_s betul, di Gang Sukarasa juga sama"
    assert message.reply_to == MENTION_ID
    assert message.thread_ref == "1785630000000000000"
    assert (message.latitude, message.longitude) == (-6.9025, 107.6186)
    assert message.address == "Gedung Sate"


def test_without_timestamp_ms_the_time_comes_from_created_at():
    payload = json.loads(fixture("mention"))
    del payload["tweet_create_events"][0]["timestamp_ms"]
    (message,) = x.parse(json.dumps(payload).encode())
    assert message.timestamp == 1714550400  # Wed May 01 08:00:00 +0000 2024


def test_a_city_place_gives_an_address_but_no_point():
    payload = json.loads(fixture("mention_extended_photos"))
    payload["tweet_create_events"][0]["coordinates"] = None
    (message,) = x.parse(json.dumps(payload).encode())
    assert message.latitude is None and message.longitude is None
    assert message.address == "Bandung, Indonesia"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@PemkotBandung: lampu jalan mati", "lampu jalan mati"),
        ("@pemkotbandung @PEMKOTBANDUNG  lampu mati", "lampu mati"),
        ("@dishub_bdg @PemkotBandung lampu mati", "@dishub_bdg lampu mati"),
        ("lampu mati, tolong @PemkotBandung", "lampu mati, tolong @PemkotBandung"),
        ("@PemkotBandungX lampu mati", "@PemkotBandungX lampu mati"),
    ],
)
def test_only_our_leading_handles_are_stripped(text, expected):
    payload = json.loads(fixture("mention"))
    payload["tweet_create_events"][0]["text"] = text
    (message,) = x.parse(json.dumps(payload).encode())
    assert message.text == expected


def test_it_ignores_our_own_tweet_and_dm_and_retweets():
    assert x.parse(fixture("own_reply")) == []
    assert x.parse(fixture("retweet")) == []
    assert x.parse(fixture("other_activity")) == []
    (only,) = x.parse(fixture("dm_text"))  # our DM back in the same delivery is dropped
    assert only.provider_message_id == DM_ID


def test_it_parses_a_dm_with_a_photo():
    (message,) = x.parse(fixture("dm_photo"))
    assert message.provider_message_id == "1638290192839218399"
    assert not message.is_public and message.thread_ref == ""
    assert message.reply_address == BUDI
    assert message.text == "Ini fotonya"
    assert message.message_type == "image"
    (photo,) = message.attachments
    assert photo.url == (
        "https://ton.twitter.com/1.1/ton/data/dm/1638290192839218399/1638290190000000001/Xy12AbCd.jpg"
    )
    assert (photo.media_id, photo.kind, photo.mime_type) == (
        "1638290190000000001",
        "image",
        "image/jpeg",
    )


def test_it_parses_a_dm_location_longitude_first():
    (message,) = x.parse(fixture("dm_location"))
    assert message.message_type == "location"
    assert (message.latitude, message.longitude) == (-6.2251, 106.8664)
    assert message.has_content


def test_the_signature_helpers_agree_with_the_independent_computation():
    raw = fixture("dm_photo")
    assert x.sign(raw, SECRET) == x_signature(raw)
    assert x.verify_signature(raw, x_signature(raw), SECRET)
    assert not x.verify_signature(raw, x_signature(raw), "")
    assert not x.verify_signature(raw, x_signature(raw).lower(), SECRET)
