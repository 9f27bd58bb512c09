"""The Meta sender against a local Graph API, and the media fetcher against a local CDN."""

from __future__ import annotations

import pytest

from channels_intake import outbox
from channels_intake.models import InboundMedia, OutboundMessage
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.meta.sender import MetaSender
from channels_intake.providers.registry import (
    configured_sender,
    fetcher_for,
    providers_of,
)
from channels_intake.providers.sending import PermanentSendError, TemporarySendError
from complaints.models import Channel

from .meta_support import COMMENT_ID, IG_COMMENT_ID, PAGE_TOKEN, PSID, Sent, outbound

pytestmark = pytest.mark.usefixtures("_meta_settings")


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
