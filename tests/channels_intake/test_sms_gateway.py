"""The generic SMS-gateway webhook: GET or POST, form or JSON, a shared token."""

from __future__ import annotations

import json

import pytest

from channels_intake import keywords
from channels_intake.models import InboundMessage, OutboundMessage
from channels_intake.normalized import PayloadError
from channels_intake.providers.registry import parser_for
from channels_intake.providers.sms_gateway import adapter as sms_gateway
from complaints.models import Channel, Complaint
from complaints.services import complaint_create

from .sms_helpers import CITIZEN, GATEWAY_PATH, GATEWAY_TOKEN, PUBLIC_BASE, FakeProvider

State = InboundMessage.State
TEXT = "Lampu PJU mati di Jl. Asia Afrika, gelap sekali 🌑"


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    settings.SMS_GATEWAY_TOKEN = GATEWAY_TOKEN
    settings.SMS_GATEWAY_SEND_URL = ""
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    settings.PUBLIC_BASE_URL = PUBLIC_BASE


@pytest.fixture
def gateway_api(settings):
    api = FakeProvider()
    settings.SMS_GATEWAY_SEND_URL = api.base + "/api/send"
    yield api
    api.stop()


def bearer(token: str = GATEWAY_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored_params() -> dict:
    return json.loads(bytes(InboundMessage.objects.get().body))


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_everything_without_a_token_configured(client, settings):
    settings.SMS_GATEWAY_TOKEN = ""
    response = client.get(GATEWAY_PATH, {"token": "", "from": CITIZEN, "text": "x", "id": "1"})
    assert response.status_code == 503
    assert "SMS_GATEWAY_TOKEN" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"query": {"token": "wrong"}},
        {"headers": bearer("wrong")},
        {"headers": {"X-Gateway-Token": "wrong"}},
        {"headers": {"Authorization": f"Basic {GATEWAY_TOKEN}"}},
    ],
)
def test_a_missing_or_wrong_token_is_forbidden(client, auth):
    params = {"from": CITIZEN, "text": "halo", "id": "77", **auth.get("query", {})}
    response = client.get(GATEWAY_PATH, params, headers=auth.get("headers", {}))
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "missing"),
    [
        ({"text": "halo", "id": "1"}, "sender"),
        ({"from": CITIZEN, "id": "1"}, "message"),
        ({"from": CITIZEN, "text": "  "}, "message"),
        ({"msisdn": CITIZEN, "msg": "halo"}, "id"),
    ],
)
def test_a_missing_field_is_a_400_that_names_it(client, params, missing):
    response = client.get(GATEWAY_PATH, params, headers=bearer())
    assert response.status_code == 400
    assert f"Missing {missing}" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_a_400_only_once_authenticated(client):
    broken = b'{"from": "+6281234567890", "text": '
    anonymous = client.post(GATEWAY_PATH, data=broken, content_type="application/json")
    assert anonymous.status_code == 403
    response = client.post(
        GATEWAY_PATH, data=broken, content_type="application/json", headers=bearer()
    )
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]


def test_only_get_and_post_are_allowed(client):
    assert client.put(GATEWAY_PATH).status_code == 405


# --- The three ways gateways call ------------------------------------------------------------


@pytest.mark.django_db
def test_a_get_with_the_token_parameter_is_stored_canonically(client):
    # DartMedia's MO call (reference §3.5): sender "original", id "messageid".
    query = {
        "userid": "pemkot",
        "password": "aggregator-secret",
        "original": "6281234567890",
        "sendto": "1708",
        "messagetype": "0",
        "messageid": "170503131327@1708",
        "message": TEXT,
        "date": "20260503131559",
        "token": GATEWAY_TOKEN,
    }
    response = client.get(GATEWAY_PATH, query)
    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert message.channel == Channel.SMS
    assert message.provider_message_id == "gw:170503131327@1708"
    assert message.sender_id == message.reply_address == CITIZEN
    assert message.headers == {"Content-Type": "", "X-Method": "GET"}
    assert stored_params() == {
        "format": sms_gateway.FORMAT,
        "id": "170503131327@1708",
        "sender": "6281234567890",
        "message": TEXT,
        # Every other parameter is kept, secrets never.
        "params": {
            "date": "20260503131559",
            "messagetype": "0",
            "sendto": "1708",
            "userid": "pemkot",
        },
    }
    # What is stored is exactly what the worker parses again.
    (parsed,) = parser_for(message.provider)(bytes(message.body))
    assert (parsed.text, parsed.sender_phone) == (TEXT, CITIZEN)


@pytest.mark.django_db
def test_a_form_post_with_a_bearer_token(client):
    response = client.post(
        GATEWAY_PATH,
        {"sender": "081234567890", "body": "Sampah belum diangkut", "sms_id": "A-1"},
        headers=bearer(),
    )
    assert response.json() == {"received": 1, "new": 1}
    assert stored_params()["message"] == "Sampah belum diangkut"
    assert InboundMessage.objects.get().sender_id == CITIZEN


@pytest.mark.django_db
def test_a_json_post_with_the_gateway_header_and_a_numeric_id(client):
    payload = {"msisdn": "6281234567890", "text": TEXT, "message_id": 991234, "meta": {"x": 1}}
    response = client.post(
        GATEWAY_PATH,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"X-Gateway-Token": GATEWAY_TOKEN},
    )
    assert response.json() == {"received": 1, "new": 1}
    message = InboundMessage.objects.get()
    assert message.provider_message_id == "gw:991234"
    assert stored_params()["params"] == {}  # nested values are not SMS fields


@pytest.mark.django_db
def test_a_json_post_may_carry_the_token_inside(client):
    payload = {"from": CITIZEN, "msg": "halo", "id": "j-1", "token": GATEWAY_TOKEN}
    response = client.post(GATEWAY_PATH, data=payload, content_type="application/json")
    assert response.status_code == 200
    assert "token" not in json.dumps(stored_params())


def test_a_redelivered_sms_creates_nothing_new(client, world, django_capture_on_commit_callbacks):
    params = {"from": CITIZEN, "text": "LAPOR got mampet di Jl. Cihampelas", "id": "r-1"}
    with django_capture_on_commit_callbacks(execute=True):
        client.get(GATEWAY_PATH, params, headers=bearer())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(GATEWAY_PATH, params, headers=bearer())
    assert response.json() == {"received": 1, "new": 0}
    assert callbacks == []
    assert InboundMessage.objects.count() == Complaint.objects.count() == 1


def test_an_sms_becomes_a_complaint_acknowledged_through_the_gateway(
    client, world, gateway_api, django_capture_on_commit_callbacks
):
    params = {"from": "081234567890", "text": "lapor jalan rusak di Jl. Dago 45", "id": "e2e-1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(GATEWAY_PATH, params, headers=bearer())
    assert response.json() == {"received": 1, "new": 1}
    complaint = InboundMessage.objects.get().complaint
    assert complaint.channel == Channel.SMS
    assert complaint.text == "jalan rusak di Jl. Dago 45"
    assert complaint.reporter.phone == CITIZEN
    ack = OutboundMessage.objects.get(complaint=complaint, kind=OutboundMessage.Kind.ACK)
    assert (ack.channel, ack.recipient, ack.state) == (Channel.SMS, CITIZEN, "sent")
    (sent,) = gateway_api.requests
    assert sent.path == "/api/send"
    assert sent.headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert sent.json == {"to": CITIZEN, "message": ack.body, "ref": f"sigap-{ack.pk}"}
    assert ack.provider_message_id == "gw-1"


# --- Keywords answered in the reply field ----------------------------------------------------


def test_cek_is_answered_in_the_reply_field_and_recorded_once(client, world):
    complaint = complaint_create(channel="sms", text="Lampu jalan mati", reporter_phone=CITIZEN)
    params = {"from": "6281234567890", "text": f"CEK {complaint.tracking_code}", "id": "k-1"}
    first = client.get(GATEWAY_PATH, params, headers=bearer()).json()
    again = client.get(GATEWAY_PATH, params, headers=bearer()).json()
    expected = keywords.status_text(complaint.tracking_code, reveal_link=True)
    assert first == {"received": 1, "new": 1, "reply": expected}
    assert again == {"received": 1, "new": 0, "reply": expected}
    (row,) = OutboundMessage.objects.all()
    assert row.dedupe_key == "keyword:sms:gw:k-1"
    assert row.provider_message_id == "inline:gw:k-1"
    assert (row.recipient, row.body, row.state, row.complaint) == (
        CITIZEN,
        expected,
        OutboundMessage.State.SENT,
        complaint,
    )


def test_info_is_answered_in_the_reply_field(client, world):
    answer = client.get(
        GATEWAY_PATH, {"from": CITIZEN, "text": "INFO", "id": "h-1"}, headers=bearer()
    ).json()
    assert answer["reply"] == keywords.help_text(PUBLIC_BASE)
    assert OutboundMessage.objects.get().body == answer["reply"]


@pytest.mark.django_db
def test_a_plain_report_has_no_reply_field(client):
    answer = client.get(
        GATEWAY_PATH, {"from": CITIZEN, "text": "pohon tumbang", "id": "p-1"}, headers=bearer()
    ).json()
    assert "reply" not in answer
    assert not OutboundMessage.objects.exists()


# --- The adapter on its own ------------------------------------------------------------------


def test_the_first_alias_present_wins_and_names_are_case_insensitive():
    raw = sms_gateway.canonical_body(
        {"From": "+6281234567890", "sender": "081111111111", "Text": "a", "MSGID": "9"}
    )
    body = json.loads(raw)
    assert (body["sender"], body["message"], body["id"]) == ("081111111111", "a", "9")


def test_an_alphanumeric_sender_has_no_phone():
    raw = sms_gateway.canonical_body({"from": "INFO-PLN", "text": "a", "id": "9"})
    (message,) = sms_gateway.parse(raw)
    assert (message.sender_phone, message.sender_id) == ("", "INFO-PLN")


def test_parse_refuses_what_is_not_a_canonical_body():
    with pytest.raises(PayloadError, match="sigap-sms-gateway/1"):
        sms_gateway.parse(b'{"from": "x"}')


def test_the_token_compare_refuses_empties():
    assert sms_gateway.verify_token(GATEWAY_TOKEN, GATEWAY_TOKEN)
    assert not sms_gateway.verify_token("", "")
    assert not sms_gateway.verify_token(GATEWAY_TOKEN, "")
    assert not sms_gateway.verify_token(GATEWAY_TOKEN + "x", GATEWAY_TOKEN)
