"""X webhook: the CRC check, refusals, then storing and processing deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from channels_intake.models import InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.providers.x import adapter as x
from complaints.models import Channel, Complaint, Reporter

from .x_support import (
    BUDI,
    DM_ID,
    MENTION_ID,
    MENTION_TEXT,
    OUR_ID,
    SECRET,
    TOKEN,
    URL,
    Out,
    State,
    fixture,
    post,
    x_signature,
)

pytestmark = pytest.mark.usefixtures("_x_settings")


# --- GET: the challenge-response check -------------------------------------------------------


def test_it_answers_the_crc_with_the_hmac_of_the_token(client):
    token = "cRc-Token_42/+="
    response = client.get(URL, {"crc_token": token})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()
    ).decode()
    assert response.json() == {"response_token": f"sha256={expected}"}


def test_a_crc_without_a_token_is_a_400(client):
    response = client.get(URL)
    assert response.status_code == 400
    assert "crc_token" in response.json()["error"]


def test_without_the_consumer_secret_it_answers_503_to_everything(client, settings, db):
    settings.X_CONSUMER_SECRET = ""
    assert client.get(URL, {"crc_token": "abc"}).status_code == 503
    response = post(client, fixture("mention"), sign_with="")
    assert response.status_code == 503
    assert "X_CONSUMER_SECRET" in response.json()["error"]
    assert not InboundMessage.objects.exists()


def test_only_get_and_post_are_allowed(client):
    assert client.put(URL).status_code == 405


# --- POST: refusals --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_missing_signature_is_forbidden(client):
    response = post(client, fixture("mention"), sign_with=None)
    assert response.status_code == 403
    assert "x-twitter-webhooks-signature" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_tampered_body_is_forbidden_and_nothing_is_stored(client):
    raw = fixture("mention")
    tampered = raw.replace(b"berlubang parah", b"mulus sekali")
    assert post(client, tampered, header=x_signature(raw)).status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_signature_with_another_secret_or_in_hex_is_forbidden(client):
    raw = fixture("mention")
    assert post(client, raw, sign_with="not-the-secret").status_code == 403
    # Meta's format (hex) over the right key is still not X's (base64).
    hex_digest = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert post(client, raw, header=f"sha256={hex_digest}").status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_a_400_with_a_reason(client):
    response = post(client, b'{"for_user_id": "1", "tweet_create_events": [')
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_a_body_without_for_user_id_is_a_400(client):
    raw = json.dumps({"data": {"event_type": "dm.received", "payload": {}}}).encode()
    response = post(client, raw)
    assert response.status_code == 400
    assert "for_user_id" in response.json()["error"]


@pytest.mark.django_db
def test_a_tweet_without_its_user_is_a_400(client):
    raw = json.dumps({"for_user_id": OUR_ID, "tweet_create_events": [{"id_str": "1"}]}).encode()
    response = post(client, raw)
    assert response.status_code == 400
    assert "Unexpected payload shape" in response.json()["error"]


# --- POST: storing, then processing ----------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_mention_is_stored_before_anything_is_processed(client):
    raw = fixture("mention")
    response = post(client, raw)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert message.channel == Channel.TWITTER
    assert message.provider_message_id == MENTION_ID
    assert message.state == State.RECEIVED
    assert bytes(message.body) == raw
    assert (message.sender_id, message.reply_address, message.thread_ref) == (
        BUDI,
        BUDI,
        MENTION_ID,
    )
    assert message.headers["x-twitter-webhooks-signature"] == x_signature(raw)
    assert not Complaint.objects.exists()


def test_the_emoji_tweet_verifies_over_the_bytes_as_sent(client, world):
    raw = fixture("mention")
    assert b"\\ud83d\\ude21" in raw  # escaped, as a JSON encoder with ensure_ascii sends it
    assert x.verify_signature(raw, x_signature(raw), SECRET)
    redumped = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not x.verify_signature(redumped, x_signature(raw), SECRET)
    assert post(client, raw).status_code == 200


def test_a_raw_utf8_dm_verifies_and_is_stored_byte_for_byte(client, world):
    raw = fixture("dm_text")
    assert "🌧️".encode() in raw
    response = post(client, raw)
    assert response.status_code == 200
    # Our own DM back in the same delivery is not a message to store.
    assert response.json() == {"received": 1, "new": 1}
    assert bytes(InboundMessage.objects.get(provider_message_id=DM_ID).body) == raw


def test_a_mention_becomes_a_complaint_and_is_answered_in_its_thread(
    client, world, x_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture("mention"))
    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert message.state == State.PROCESSED
    complaint = message.complaint
    assert complaint.channel == Channel.TWITTER
    assert complaint.text == MENTION_TEXT
    assert complaint.reporter.name == "Budi Santoso"
    assert ReporterHandle.objects.get(channel=Channel.TWITTER).handle == BUDI

    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (Channel.TWITTER, BUDI, MENTION_ID)
    assert complaint.tracking_code in ack.body
    assert ack.state == Out.SENT
    (request,) = [r for r in x_api.requests if r["path"] == "/2/tweets"]
    assert request["authorization"] == f"Bearer {TOKEN}"
    assert request["content_type"] == "application/json"
    assert request["json"] == {"text": ack.body, "reply": {"in_reply_to_tweet_id": MENTION_ID}}
    assert ack.provider_message_id == "179000000000000001"


def test_a_dm_becomes_a_complaint_and_is_answered_by_dm(
    client, world, x_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("dm_text"))
    complaint = InboundMessage.objects.get(provider_message_id=DM_ID).complaint
    # "Lapor:" is the optional keyword, dropped from the text.
    assert complaint.text == "banjir di Kampung Melayu — air setinggi lutut 🌧️"
    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.thread_ref) == (Channel.TWITTER, BUDI, "")
    (request,) = x_api.requests
    assert request["path"] == f"/2/dm_conversations/with/{BUDI}/messages"
    assert request["json"] == {"text": ack.body}
    assert ack.state == Out.SENT
    assert ack.provider_message_id == "164001"


def test_a_redelivered_mention_creates_nothing_new(
    client, world, django_capture_on_commit_callbacks
):
    raw = fixture("mention")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, raw)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, raw)
    assert response.json() == {"received": 1, "new": 0}
    assert callbacks == []
    assert InboundMessage.objects.count() == 1
    assert Complaint.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


@pytest.mark.parametrize("name", ["own_reply", "retweet", "other_activity"])
def test_our_own_tweets_retweets_and_other_activity_store_nothing(
    client, world, name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, fixture(name))
    assert response.status_code == 200
    assert response.json() == {"received": 0, "new": 0}
    assert not InboundMessage.objects.exists()
    assert not Complaint.objects.exists()


def test_the_same_citizen_by_mention_and_by_dm_is_one_reporter(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("mention"))
        post(client, fixture("dm_text"))
    assert Complaint.objects.count() == 2
    assert Reporter.objects.count() == 1


def test_a_long_tweet_with_photos_and_a_point_becomes_a_located_complaint(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fixture("mention_extended_photos"))
    complaint = InboundMessage.objects.get().complaint
    assert complaint.text.startswith("Sampah menumpuk di TPS Jl. Cihampelas")
    assert complaint.text.endswith("terima kasih.")
    assert (str(complaint.latitude), str(complaint.longitude)) == ("-6.893500", "107.604500")
    assert complaint.address == "Bandung, Indonesia"
