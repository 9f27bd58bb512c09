"""The X sender against a local X API, and the media fetcher."""

from __future__ import annotations

import pytest

from channels_intake import outbox
from channels_intake.models import InboundMedia, OutboundMessage
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.log_sender import LogSender
from channels_intake.providers.registry import configured_sender, fetcher_for, sender_for
from channels_intake.providers.sending import PermanentSendError, TemporarySendError
from channels_intake.providers.x.sender import XSender
from complaints.models import Channel

from .x_support import BUDI, MENTION_ID, TOKEN, Out

pytestmark = pytest.mark.usefixtures("_x_settings")


# --- The sender against a local X API --------------------------------------------------------


def reply_row(key: str, *, thread_ref: str = "", recipient: str = BUDI) -> OutboundMessage:
    return OutboundMessage.objects.create(
        channel=Channel.TWITTER,
        recipient=recipient,
        thread_ref=thread_ref,
        body="Sigap: laporan SGP-1 diterima. Pantau: https://lapor.bandung.go.id/t/abc",
        dedupe_key=key,
    )


def test_the_factory_builds_the_sender_only_with_a_token(settings, x_api):
    assert isinstance(configured_sender(Channel.TWITTER), XSender)
    settings.X_BEARER_TOKEN = ""
    assert configured_sender(Channel.TWITTER) is None
    assert isinstance(sender_for(Channel.TWITTER), LogSender)


def test_it_sends_a_dm_and_a_thread_reply(db, x_api):
    dm = reply_row("dm")
    assert outbox.outbound_send(message_id=dm.pk).state == Out.SENT
    tweet = reply_row("tw", thread_ref=MENTION_ID)
    assert outbox.outbound_send(message_id=tweet.pk).state == Out.SENT
    first, second = x_api.requests
    assert first["path"] == f"/2/dm_conversations/with/{BUDI}/messages"
    assert first["json"] == {"text": dm.body}
    assert second["path"] == "/2/tweets"
    assert second["json"] == {"text": tweet.body, "reply": {"in_reply_to_tweet_id": MENTION_ID}}
    assert {r["authorization"] for r in x_api.requests} == {f"Bearer {TOKEN}"}
    dm.refresh_from_db()
    tweet.refresh_from_db()
    assert (dm.provider_message_id, tweet.provider_message_id) == ("164001", "179000000000000002")


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_client_error_fails_without_retry(db, x_api, status, django_capture_on_commit_callbacks):
    x_api.script = [(status, {"title": "Forbidden", "detail": "You are not allowed"})]
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbound_enqueue(
            channel=Channel.TWITTER,
            recipient=BUDI,
            thread_ref=MENTION_ID,
            body="Sigap: uji",
            dedupe_key="4xx",
        )
    message.refresh_from_db()
    assert message.state == Out.FAILED
    assert message.attempts == 1
    assert f"HTTP {status}" in message.last_error and "not allowed" in message.last_error
    assert len(x_api.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_temporary(db, x_api, status):
    message = reply_row("t")
    x_api.script = [(status, {"title": "Too Many Requests"})]
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    assert outcome.retry_in == outbox.BACKOFF_BASE_SECONDS
    assert message.state == Out.PENDING
    assert f"HTTP {status}" in message.last_error


def test_a_server_error_is_retried_and_the_reply_sent_once(
    db, x_api, django_capture_on_commit_callbacks
):
    x_api.script = [(503, {"title": "Service Unavailable"})]
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.outbound_enqueue(
            channel=Channel.TWITTER, recipient=BUDI, body="Sigap: uji", dedupe_key="5xx"
        )
    message.refresh_from_db()
    assert message.state == Out.SENT
    assert message.attempts == 2
    assert len(x_api.requests) == 2


def test_a_network_error_is_temporary(db, x_api):
    x_api.stop()
    sender = XSender(api_base=x_api.base, bearer_token=TOKEN)
    with pytest.raises(TemporarySendError, match="Network error"):
        sender.send(reply_row("n"))


def test_an_answer_without_an_id_is_permanent(db, x_api):
    x_api.script = [(201, {"errors": [{"message": "odd"}]})]
    with pytest.raises(PermanentSendError, match="dm_event_id"):
        XSender(api_base=x_api.base, bearer_token=TOKEN).send(reply_row("noid"))


def test_a_recipient_that_is_not_a_user_id_is_refused_before_any_request(db, x_api):
    with pytest.raises(PermanentSendError, match="Not an X user id"):
        XSender(api_base=x_api.base, bearer_token=TOKEN).send(reply_row("bad", recipient="../2"))
    assert x_api.requests == []


# --- The media fetcher -----------------------------------------------------------------------


def test_it_fetches_dm_media_with_the_token(x_api):
    x_api.files["/1.1/ton/data/dm/1/2/Xy12AbCd.jpg"] = ("image/jpeg", b"\xff\xd8jpeg-bytes")
    media = InboundMedia(
        kind="image",
        mime_type="image/jpeg",
        url=f"{x_api.base}/1.1/ton/data/dm/1/2/Xy12AbCd.jpg",
    )
    fetched = fetcher_for("x")(media)
    assert fetched.content == b"\xff\xd8jpeg-bytes"
    assert fetched.content_type == "image/jpeg"
    assert fetched.filename == "Xy12AbCd.jpg"
    assert x_api.requests[-1]["authorization"] == f"Bearer {TOKEN}"


def test_the_token_never_goes_to_another_host(x_api):
    x_api.files["/media/a.png"] = ("image/png", b"png-bytes")
    # The same server under another name: not X_API_BASE's host, not an X host.
    media = InboundMedia(kind="image", url=f"http://localhost:{x_api.port}/media/a.png")
    fetched = fetcher_for("x")(media)
    assert fetched.content == b"png-bytes"
    assert fetched.content_type == "image/png"
    assert x_api.requests[-1]["authorization"] is None


def test_fetch_errors_are_sorted_into_permanent_and_temporary(x_api):
    media = InboundMedia(kind="image", url=f"{x_api.base}/gone.jpg")
    with pytest.raises(PermanentFetchError, match="HTTP 404"):
        fetcher_for("x")(media)
    x_api.script = [(503, {})]
    with pytest.raises(TemporaryFetchError, match="HTTP 503"):
        fetcher_for("x")(media)
    with pytest.raises(PermanentFetchError, match="no URL"):
        fetcher_for("x")(InboundMedia(kind="image", media_id="1"))
