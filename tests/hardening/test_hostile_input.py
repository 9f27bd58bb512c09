"""The hostile input corpus against every public entry: a clear 4xx with a JSON reason,
never a 500, nothing stored (issue 11)."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache

from channels_intake.models import InboundMessage
from complaints.models import Complaint
from tests.channels_intake import email_helpers, whatsapp_helpers

from .corpus import (
    ENTRIES,
    Entry,
    configure_every_channel,
    deeply_nested,
    deeply_nested_object,
    with_each_field_wrong,
)

pytestmark = pytest.mark.django_db
IDS = [entry.name for entry in ENTRIES]


@pytest.fixture(autouse=True)
def _every_channel_configured(settings):
    configure_every_channel(settings)


def post(client, entry: Entry, raw: bytes, content_type="application/json", *, signed=True):
    headers = entry.sign(raw) if signed else {}
    return client.post(entry.path, data=raw, content_type=content_type, headers=headers)


def assert_not_accepted(response, entry: Entry) -> None:
    """A 4xx, or for an HTML form its page redisplayed; never a 500, nothing stored."""
    if entry.is_form and response.status_code == 200:
        assert b'class="errorlist' in response.content or b"<form" in response.content
    else:
        assert 400 <= response.status_code < 500, response.content[:300]
    assert not InboundMessage.objects.exists()
    assert not Complaint.objects.exists()


def assert_refused(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    reason = response.json()
    assert reason.get("error") or reason.get("detail"), reason
    assert not InboundMessage.objects.exists()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@pytest.mark.parametrize("body", [deeply_nested(), deeply_nested_object()], ids=["array", "object"])
def test_json_nested_1000_levels_is_a_400_before_any_parser(client, entry, body):
    assert len(body) < 8000
    assert_refused(post(client, entry, body), 400)
    assert_refused(post(client, entry, body, signed=False), 400)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_a_20_mb_body_is_a_413_with_a_reason(client, entry):
    body = b'{"text": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    response = post(client, entry, body, signed=False)
    if entry.path.startswith("/webhooks/email/"):
        # Whole messages are up to 40 MB there: refused for its credentials, not its size.
        assert response.status_code == 403
        return
    assert_refused(response, 413)
    assert "bytes" in response.json()["error"]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_a_body_over_the_email_limit_is_a_413_there_too(client, entry, settings):
    settings.REQUEST_BODY_LIMITS = {"/webhooks/email/": 1024}
    body = b'{"text": "' + b"x" * 2048 + b'"}'
    if entry.path.startswith("/webhooks/email/"):
        assert_refused(post(client, entry, body), 413)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@pytest.mark.parametrize(
    "body",
    [b'{"text": "\xff\xfe caf\xc3"}', b"\x00\x01\x02", b'{"a": 1', b"[]", b'"x"', b"null", b""],
    ids=["invalid-utf8", "binary", "truncated", "array", "string", "null", "empty"],
)
def test_malformed_bodies_are_a_4xx_never_a_500(client, entry, body):
    for signed in (True, False):
        assert_not_accepted(post(client, entry, body, signed=signed), entry)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"]
)
def test_wrong_content_types_are_a_4xx_never_a_500(client, entry, content_type):
    raw = b'{"text": "halo"}'
    assert_not_accepted(post(client, entry, raw, content_type=content_type, signed=False), entry)
    # Authenticated, a provider's body may still be read whatever its label: never a 500.
    response = post(client, entry, raw, content_type=content_type)
    assert response.status_code < 500, response.content[:300]
    assert not Complaint.objects.exists()


def _whatsapp_delivery(**message) -> dict:
    delivery = json.loads(whatsapp_helpers.fixture("text"))
    delivery["entry"][0]["changes"][0]["value"]["messages"][0].update(message)
    return delivery


def test_wrong_types_in_every_whatsapp_field_are_a_400(client):
    entry = next(e for e in ENTRIES if e.name == "whatsapp")
    message = _whatsapp_delivery()["entry"][0]["changes"][0]["value"]["messages"][0]
    for raw in with_each_field_wrong(message):
        delivery = _whatsapp_delivery(**json.loads(raw))
        response = post(client, entry, json.dumps(delivery).encode())
        assert response.status_code in (200, 400), (raw, response.content[:300])
    for raw in with_each_field_wrong(_whatsapp_delivery()):
        response = post(client, entry, raw)
        assert response.status_code in (200, 400), (raw, response.content[:300])


def test_wrong_types_in_every_public_api_field_are_a_400(client, world):
    entry = next(e for e in ENTRIES if e.name == "public-api")
    payload = {
        "text": "Jalan berlubang besar di depan SD Sukarasa.",
        "category": "jalan-rusak",
        "area_code": "32.73.01.1001",
        "latitude": -6.87,
        "longitude": 107.58,
        "reporter": {"name": "Siti", "phone": "0812-3456-7890", "email": "siti@example.id"},
        "anonymous": False,
    }
    for raw in with_each_field_wrong(payload):
        cache.clear()  # the throttle is tested elsewhere
        response = post(client, entry, raw)
        assert response.status_code in (201, 400), (raw, response.content[:300])


def test_postmark_with_valid_auth_and_wrong_types_is_a_400_with_a_reason(client):
    entry = next(e for e in ENTRIES if e.name == "postmark")
    assert_refused(post(client, entry, b'{"From": 5, "Attachments": "x"}'), 400)
    for raw in with_each_field_wrong(email_helpers.postmark_payload("postmark_inbound")):
        response = post(client, entry, raw)
        assert response.status_code in (200, 400), (raw[:200], response.content[:300])


@pytest.mark.parametrize("name", ["postmark", "mailgun"])
def test_a_bad_mail_signature_is_a_403_in_json(client, name):
    entry = next(e for e in ENTRIES if e.name == name)
    payload = email_helpers.postmark_payload("postmark_inbound")
    response = client.post(
        entry.path,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": email_helpers.basic_auth("sigap-inbound:wrong")},
    )
    assert_refused(response, 403)


@pytest.mark.parametrize("name", ["whatsapp", "meta", "x", "telegram", "sms-gateway"])
def test_missing_and_bad_signatures_are_a_403(client, name):
    entry = next(e for e in ENTRIES if e.name == name)
    raw = whatsapp_helpers.fixture("text")
    assert_refused(client.post(entry.path, data=raw, content_type="application/json"), 403)
    forged = {key: value[:-2] + "00" for key, value in entry.sign(raw).items()}
    response = client.post(entry.path, data=raw, content_type="application/json", headers=forged)
    assert_refused(response, 403)


def test_a_whatsapp_message_stamped_90_days_ago_is_refused_as_stale(client):
    entry = next(e for e in ENTRIES if e.name == "whatsapp")
    old = str(int(time.time()) - 90 * 24 * 3600)
    raw = json.dumps(_whatsapp_delivery(id="wamid.OLD90", timestamp=old)).encode()
    response = post(client, entry, raw)
    assert_refused(response, 400)
    assert response.json()["code"] == "stale"
    future = str(int(time.time()) + 2 * 24 * 3600)
    raw = json.dumps(_whatsapp_delivery(id="wamid.FUTURE", timestamp=future)).encode()
    assert_refused(post(client, entry, raw), 400)


def test_a_replayed_fresh_delivery_is_stored_once(client):
    entry = next(e for e in ENTRIES if e.name == "whatsapp")
    now = str(int(time.time()))
    raw = json.dumps(_whatsapp_delivery(id="wamid.REPLAY", timestamp=now)).encode()
    first, second = post(client, entry, raw), post(client, entry, raw)
    assert (first.json()["new"], second.json()["new"]) == (1, 0)
    assert InboundMessage.objects.count() == 1


def test_a_mailgun_delivery_signed_long_ago_is_refused_as_stale(client):
    old = str(int(time.time()) - 90 * 24 * 3600)
    fields = {
        "recipient": "aduan@lapor.bandung.go.id",
        "sender": "budi@example.id",
        "body-mime": email_helpers.fixture("gmail_reply.eml").decode(),
        **email_helpers.mailgun_fields(timestamp=old),
    }
    response = client.post(
        email_helpers.MAILGUN_MIME_URL,
        fields,
        headers={"Authorization": email_helpers.basic_auth()},
    )
    assert_refused(response, 400)
    assert response.json()["code"] == "stale"
    fresh = {**fields, **email_helpers.mailgun_fields()}
    response = client.post(
        email_helpers.MAILGUN_MIME_URL, fresh, headers={"Authorization": email_helpers.basic_auth()}
    )
    assert response.status_code == 200
    assert InboundMessage.objects.count() == 1
