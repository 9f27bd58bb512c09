"""The Meta adapter on its own: Messenger, comments and Instagram payloads parsed."""

from __future__ import annotations

import pytest

from channels_intake.normalized import Kind
from channels_intake.providers.meta import adapter as meta
from channels_intake.providers.registry import (
    parser_for,
    providers_of,
)
from complaints.models import Channel

from .meta_support import COMMENT_ID, fixture

pytestmark = pytest.mark.usefixtures("_meta_settings")


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
