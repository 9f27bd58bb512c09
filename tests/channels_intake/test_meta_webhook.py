"""Facebook Page and Instagram webhook: the handshake, refusals, storing and our own traffic."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from channels_intake.models import InboundMessage, OutboundMessage
from channels_intake.providers.meta import adapter as meta
from complaints.models import Channel, Complaint

from .meta_support import (
    APP_SECRET,
    IG_COMMENT_ID,
    PAGE_ID,
    PSID,
    URL,
    VERIFY_TOKEN,
    State,
    fixture,
    post,
    signature,
)

pytestmark = pytest.mark.usefixtures("_meta_settings")


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
