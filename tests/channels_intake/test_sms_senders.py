"""SMS senders and the Twilio media fetcher, against a local server playing the providers."""

from __future__ import annotations

import base64
import json

import pytest

from channels_intake import outbox
from channels_intake.models import InboundMedia, OutboundMessage
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.log_sender import LogSender
from channels_intake.providers.registry import configured_sender, fetcher_for, sender_for
from channels_intake.providers.sms_gateway.sender import SmsGatewaySender
from channels_intake.providers.twilio.fetcher import is_twilio_api
from channels_intake.providers.twilio.sender import TwilioSender
from complaints.models import Channel

from .sms_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CITIZEN,
    FROM_NUMBER,
    GATEWAY_TOKEN,
    Answer,
    FakeProvider,
)

State = OutboundMessage.State
BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


@pytest.fixture
def api(settings):
    server = FakeProvider()
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # not https: no StatusCallback
    yield server
    server.stop()


@pytest.fixture
def via_twilio(settings, api):
    settings.TWILIO_API_BASE = api.base
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.SMS_GATEWAY_SEND_URL = settings.SMS_GATEWAY_TOKEN = ""
    return api


@pytest.fixture
def via_gateway(settings, api):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    settings.SMS_GATEWAY_SEND_URL = api.base + "/kirim"
    settings.SMS_GATEWAY_TOKEN = GATEWAY_TOKEN
    return api


def row(key: str = "k1", body: str = "Sigap: laporan AB12CD34 diterima.") -> OutboundMessage:
    """A message as the outbox stores it, made without enqueueing its send."""
    return OutboundMessage.objects.create(
        channel=Channel.SMS, recipient=CITIZEN, body=body, dedupe_key=key
    )


def send(message: OutboundMessage) -> outbox.SendOutcome:
    outcome = outbox.outbound_send(message_id=message.pk)
    message.refresh_from_db()
    return outcome


# --- Which sender ----------------------------------------------------------------------------


def test_without_credentials_sms_goes_to_the_log(settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.TWILIO_FROM_NUMBER = ""
    settings.SMS_GATEWAY_SEND_URL = settings.SMS_GATEWAY_TOKEN = ""
    assert configured_sender(Channel.SMS) is None
    assert isinstance(sender_for(Channel.SMS), LogSender)
    # Half of Twilio's settings is no Twilio; half of the gateway's is no gateway.
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_GATEWAY_SEND_URL = "https://gateway.example/send"
    assert configured_sender(Channel.SMS) is None


def test_twilio_wins_over_the_gateway_when_both_are_set(settings, via_twilio):
    settings.SMS_GATEWAY_SEND_URL = "https://gateway.example/send"
    settings.SMS_GATEWAY_TOKEN = GATEWAY_TOKEN
    assert isinstance(sender_for(Channel.SMS), TwilioSender)
    settings.TWILIO_FROM_NUMBER = ""
    assert isinstance(sender_for(Channel.SMS), SmsGatewaySender)


def test_delivery_reports_are_asked_for_only_on_a_public_https_address(settings, via_twilio):
    assert sender_for(Channel.SMS).status_callback == ""
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    assert sender_for(Channel.SMS).status_callback == "https://lapor.bandung.go.id/webhooks/twilio/"


# --- Twilio ----------------------------------------------------------------------------------


def test_twilio_sends_the_form_with_basic_auth(db, via_twilio):
    message = row()
    assert send(message).state == State.SENT
    (request,) = via_twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.headers["authorization"] == BASIC
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {"To": CITIZEN, "From": FROM_NUMBER, "Body": message.body}
    assert message.provider_message_id == f"SM{1:032x}"
    assert message.attempts == 1


def test_a_messaging_service_picks_its_own_number(db, settings, via_twilio):
    settings.TWILIO_FROM_NUMBER = "MG0123456789abcdef0123456789abcdef"
    send(row())
    assert via_twilio.requests[0].form == {
        "To": CITIZEN,
        "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef",
        "Body": "Sigap: laporan AB12CD34 diterima.",
    }


def test_twilio_unicode_text_arrives_intact(db, via_twilio):
    send(row(body="Sigap: aduan selesai ✅ — terima kasih"))
    assert via_twilio.requests[0].form["Body"] == "Sigap: aduan selesai ✅ — terima kasih"


def test_a_twilio_client_error_fails_without_retry(db, via_twilio):
    error = {"code": 21211, "message": "The 'To' number is not a valid phone number."}
    via_twilio.script = [Answer(400, json.dumps(error).encode())]
    message = row()
    outcome = send(message)
    assert outcome.state == State.FAILED and outcome.retry_in is None
    assert message.state == State.FAILED
    assert "HTTP 400" in message.last_error and "21211" in message.last_error
    assert len(via_twilio.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_twilio_server_error_is_retried_later(db, via_twilio, status):
    via_twilio.script = [Answer(status, b'{"message": "busy"}')]
    message = row()
    outcome = send(message)
    assert outcome.retry_in == outbox.BACKOFF_BASE_SECONDS
    assert message.state == State.PENDING
    assert f"HTTP {status}" in message.last_error
    # The retry goes through.
    assert send(message).state == State.SENT
    assert len(via_twilio.requests) == 2


def test_a_twilio_answer_without_a_sid_is_not_resent(db, via_twilio):
    via_twilio.script = [Answer(201, b"<html>ok</html>", content_type="text/html")]
    message = row()
    assert send(message).state == State.FAILED
    assert "without a sid" in message.last_error


def test_a_network_error_is_temporary(db, via_twilio):
    via_twilio.stop()
    message = row()
    assert send(message).state == State.PENDING
    assert "Network error" in message.last_error


# --- The gateway -----------------------------------------------------------------------------


def test_the_gateway_gets_json_with_a_bearer_token(db, via_gateway):
    message = row()
    assert send(message).state == State.SENT
    (request,) = via_gateway.requests
    assert (request.method, request.path) == ("POST", "/kirim")
    assert request.headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {"to": CITIZEN, "message": message.body, "ref": f"sigap-{message.pk}"}
    assert message.provider_message_id == "gw-1"


@pytest.mark.parametrize(
    ("answer", "provider_id"),
    [
        (Answer(200, b'{"message_id": 5521}'), "5521"),
        (Answer(200, b'{"status": "queued"}'), "ref"),
        (Answer(200, b"OK", content_type="text/plain"), "ref"),
        (Answer(202, b""), "ref"),
    ],
)
def test_the_gateways_id_or_else_our_ref(db, via_gateway, answer, provider_id):
    via_gateway.script = [answer]
    message = row()
    assert send(message).state == State.SENT
    expected = f"sigap-{message.pk}" if provider_id == "ref" else provider_id
    assert message.provider_message_id == expected


def test_a_gateway_client_error_fails_without_retry(db, via_gateway):
    via_gateway.script = [Answer(401, b'{"error": "bad token"}')]
    message = row()
    assert send(message).state == State.FAILED
    assert "HTTP 401" in message.last_error
    assert len(via_gateway.requests) == 1


@pytest.mark.parametrize("status", [429, 502])
def test_a_gateway_server_error_is_retried_later(db, via_gateway, status):
    via_gateway.script = [Answer(status, b"down")]
    message = row()
    assert send(message).retry_in == outbox.BACKOFF_BASE_SECONDS
    assert message.state == State.PENDING
    assert f"HTTP {status}" in message.last_error


# --- Twilio media --------------------------------------------------------------------------

MEDIA_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def media(url: str, mime_type: str = "image/jpeg") -> InboundMedia:
    # An unsaved row: the fetcher only reads its URL and type.
    return InboundMedia(kind="image", url=url, mime_type=mime_type)


def test_twilio_media_is_fetched_with_credentials_that_never_follow_the_redirect(via_twilio):
    storage = "/s3/media/ME1?X-Amz-Signature=abc"
    via_twilio.routes[MEDIA_PATH] = Answer(
        307, b"", content_type="text/plain", headers={"Location": via_twilio.base + storage}
    )
    via_twilio.routes[storage] = Answer(200, JPEG, content_type="image/jpeg")
    fetched = fetcher_for("twilio")(media(via_twilio.base + MEDIA_PATH))
    assert fetched.content == JPEG
    assert fetched.content_type == "image/jpeg"
    first, second = via_twilio.requests
    assert (first.path, first.headers["authorization"]) == (MEDIA_PATH, BASIC)
    assert second.path == storage
    assert "authorization" not in second.headers


def test_other_media_urls_get_no_credentials(via_twilio):
    via_twilio.routes["/file.png"] = Answer(200, b"\x89PNG", content_type="image/png")
    fetched = fetcher_for("twilio")(
        media(via_twilio.base.replace("127.0.0.1", "localhost") + "/file.png", "")
    )
    assert fetched.content_type == "image/png"
    assert "authorization" not in via_twilio.requests[0].headers


def test_only_twilios_own_api_gets_credentials(settings):
    settings.TWILIO_API_BASE = "https://api.twilio.com"
    assert is_twilio_api("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1")
    assert not is_twilio_api("https://api.twilio.com.evil.example/2010-04-01/x")
    assert not is_twilio_api("https://media.example/api.twilio.com/x")


def test_without_credentials_twilio_media_is_a_plain_get(settings, via_twilio):
    settings.TWILIO_AUTH_TOKEN = ""
    via_twilio.routes[MEDIA_PATH] = Answer(200, JPEG, content_type="image/jpeg")
    assert fetcher_for("twilio")(media(via_twilio.base + MEDIA_PATH)).content == JPEG
    assert "authorization" not in via_twilio.requests[0].headers


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, PermanentFetchError), (401, PermanentFetchError), (503, TemporaryFetchError)],
)
def test_media_errors_are_permanent_or_temporary(via_twilio, status, error):
    via_twilio.routes[MEDIA_PATH] = Answer(status, b'{"message": "x"}')
    with pytest.raises(error, match=f"HTTP {status}"):
        fetcher_for("twilio")(media(via_twilio.base + MEDIA_PATH))


def test_media_over_the_limit_is_refused(settings, via_twilio):
    settings.INBOUND_MEDIA_MAX_MB = 0
    via_twilio.routes[MEDIA_PATH] = Answer(200, JPEG, content_type="image/jpeg")
    with pytest.raises(PermanentFetchError, match="over the limit"):
        fetcher_for("twilio")(media(via_twilio.base + MEDIA_PATH))
