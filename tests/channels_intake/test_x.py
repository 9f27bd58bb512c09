"""The X (Twitter) channel: the CRC, signed deliveries, the adapter, replies and media.

Fixtures under fixtures/x/ are v1.1-shaped Account Activity API deliveries for our account
@PemkotBandung (id 1501234567890123456). A local server plays X's API (v2 tweets and DMs,
and the media hosts) for the sender and the fetcher.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from channels_intake import outbox
from channels_intake.models import InboundMedia, InboundMessage, OutboundMessage, ReporterHandle
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.log_sender import LogSender
from channels_intake.providers.registry import configured_sender, fetcher_for, sender_for
from channels_intake.providers.sending import PermanentSendError, TemporarySendError
from channels_intake.providers.x import adapter as x
from channels_intake.providers.x.sender import XSender
from complaints.models import Channel, Complaint, Reporter

FIXTURES = Path(__file__).parent / "fixtures" / "x"
SECRET = "test-consumer-secret"
TOKEN = "test-user-access-token"
URL = "/webhooks/x/"
OUR_ID = "1501234567890123456"
BUDI = "123456789"
MENTION_ID = "1785600000000000000"
DM_ID = "1638290192839218391"
MENTION_TEXT = "jalan di depan Pasar Kosambi berlubang parah 😡 tolong diperbaiki & dicek"
State = InboundMessage.State
Out = OutboundMessage.State


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def x_signature(raw: bytes, secret: str = SECRET) -> str:
    """Written out here, independent of the adapter: sha256= + base64 of the HMAC digest."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def post(client, raw: bytes, *, sign_with: str | None = SECRET, header: str | None = None):
    headers = {}
    if header is not None:
        headers["x-twitter-webhooks-signature"] = header
    elif sign_with is not None:
        headers["x-twitter-webhooks-signature"] = x_signature(raw, sign_with)
    return client.post(URL, data=raw, content_type="application/json", headers=headers)


@pytest.fixture(autouse=True)
def _x_settings(settings):
    settings.X_CONSUMER_SECRET = SECRET
    settings.X_BEARER_TOKEN = ""
    # Each message is its own complaint at once (no chat draft to wait for).
    settings.CONVERSATION_WINDOW_SECONDS = 0


class FakeXApi:
    """Plays api.x.com (POST /2/tweets, POST /2/dm_conversations/...) and a media host."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                api.requests.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(raw),
                    }
                )
                if api.script:
                    status, answer = api.script.pop(0)
                elif self.path == "/2/tweets":
                    status, answer = 201, {"data": {"id": f"17900000000000000{len(api.requests)}"}}
                else:
                    n = len(api.requests)
                    answer = {"data": {"dm_conversation_id": "c", "dm_event_id": f"16400{n}"}}
                    status = 201
                self._answer(status, json.dumps(answer).encode(), "application/json")

            def do_GET(self) -> None:
                api.requests.append(
                    {
                        "method": "GET",
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                if api.script:
                    status, answer = api.script.pop(0)
                    self._answer(status, json.dumps(answer).encode(), "application/json")
                elif self.path in api.files:
                    content_type, content = api.files[self.path]
                    self._answer(200, content, content_type)
                else:
                    self._answer(404, b'{"errors":[{"message":"Not found"}]}', "application/json")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def x_api(settings):
    api = FakeXApi()
    settings.X_API_BASE = api.base
    settings.X_BEARER_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://lapor.bandung.go.id"
    yield api
    api.stop()


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
