"""Telegram sender, media fetcher and manage.py telegram_set_webhook against a local Bot API."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from channels_intake import outbox
from channels_intake.models import InboundMedia, OutboundMessage
from channels_intake.providers.fetching import PermanentFetchError, TemporaryFetchError
from channels_intake.providers.registry import fetcher_for, sender_for
from channels_intake.providers.sending import PermanentSendError, TemporarySendError
from channels_intake.providers.telegram.sender import TelegramSender
from complaints.models import Channel

from .telegram_helpers import (
    BOT_TOKEN,
    CHAT_ID,
    PHOTO_PATH,
    SECRET_TOKEN,
)
from .telegram_support import jpeg

pytestmark = pytest.mark.usefixtures("_telegram_settings")


# --- Sender --------------------------------------------------------------------------------


def outbound(body: str = "Sigap: laporan AB12CD34 diterima.", key: str = "t1") -> OutboundMessage:
    return OutboundMessage.objects.create(
        channel=Channel.TELEGRAM, recipient=str(CHAT_ID), body=body, dedupe_key=key
    )


@pytest.mark.django_db
def test_the_sender_posts_send_message(bot_api):
    sender = sender_for(Channel.TELEGRAM)
    assert isinstance(sender, TelegramSender)
    result = sender.send(outbound("Sigap: laporan diterima 👍"))
    assert result.provider_message_id == f"{CHAT_ID}:901"
    (request,) = bot_api.requests
    assert (request["http"], request["path"]) == ("POST", f"/bot{BOT_TOKEN}/sendMessage")
    assert request["json"] == {"chat_id": str(CHAT_ID), "text": "Sigap: laporan diterima 👍"}


def test_without_a_bot_token_replies_only_go_to_the_log(settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    assert not isinstance(sender_for(Channel.TELEGRAM), TelegramSender)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: chat not found"),
        (403, "Forbidden: bot was blocked by the user"),
        (401, "Unauthorized"),
    ],
)
def test_a_client_error_is_permanent(bot_api, status, description):
    bot_api.script["sendMessage"] = [
        (status, {"ok": False, "error_code": status, "description": description})
    ]
    with pytest.raises(PermanentSendError) as raised:
        sender_for(Channel.TELEGRAM).send(outbound())
    assert str(raised.value) == f"HTTP {status}: {description}"
    assert BOT_TOKEN not in str(raised.value)


@pytest.mark.django_db
def test_too_many_requests_is_temporary(bot_api):
    bot_api.script["sendMessage"] = [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 14",
                "parameters": {"retry_after": 14},
            },
        )
    ]
    with pytest.raises(TemporarySendError, match=r"HTTP 429: .*\(retry after 14 s\)"):
        sender_for(Channel.TELEGRAM).send(outbound())


@pytest.mark.django_db
@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_is_temporary(bot_api, status):
    bot_api.script["sendMessage"] = [
        (status, {"ok": False, "error_code": status, "description": "Internal Server Error"})
    ]
    with pytest.raises(TemporarySendError, match=f"HTTP {status}"):
        sender_for(Channel.TELEGRAM).send(outbound())


@pytest.mark.django_db
def test_a_network_error_is_temporary_and_hides_the_token(bot_api):
    bot_api.stop()
    with pytest.raises(TemporarySendError, match="Network error") as raised:
        sender_for(Channel.TELEGRAM).send(outbound())
    assert BOT_TOKEN not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.django_db
def test_the_outbox_retries_a_429_and_fails_a_400_at_once(bot_api):
    bot_api.script["sendMessage"] = [
        (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3"}),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
    ]
    first, second = outbound(key="a"), outbound(key="b")
    assert outbox.outbound_send(message_id=first.pk).retry_in == outbox.BACKOFF_BASE_SECONDS
    assert outbox.outbound_send(message_id=second.pk).state == OutboundMessage.State.FAILED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == OutboundMessage.State.PENDING
    assert "HTTP 429" in first.last_error
    assert second.last_error == "HTTP 400: Bad Request: chat not found"
    assert second.attempts == 1
    assert len(bot_api.calls("sendMessage")) == 2


# --- Media fetcher -------------------------------------------------------------------------


def media(file_id: str = "AgACAgUAAxkBAAMrZjKx1large0003", **extra) -> InboundMedia:
    return InboundMedia(kind="image", media_id=file_id, mime_type="image/jpeg", **extra)


def test_the_fetcher_asks_get_file_then_downloads(bot_api):
    photo = jpeg()
    bot_api.files[PHOTO_PATH] = photo
    fetched = fetcher_for("telegram")(media())
    assert fetched.content == photo
    assert fetched.content_type == "image/jpeg"
    assert fetched.filename == "file_7.jpg"
    get_file, download = bot_api.requests
    assert (get_file["http"], get_file["path"]) == ("GET", f"/bot{BOT_TOKEN}/getFile")
    assert get_file["query"] == {"file_id": "AgACAgUAAxkBAAMrZjKx1large0003"}
    assert (download["http"], download["path"]) == ("GET", f"/file/bot{BOT_TOKEN}/{PHOTO_PATH}")


def test_a_document_keeps_its_name_and_type(bot_api):
    bot_api.files[PHOTO_PATH] = b"%PDF-1.4 surat"
    document = InboundMedia(
        kind="document", media_id="BQAC1", mime_type="application/pdf", filename="surat.pdf"
    )
    fetched = fetcher_for("telegram")(document)
    assert (fetched.content_type, fetched.filename) == ("application/pdf", "surat.pdf")


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, PermanentFetchError), (429, TemporaryFetchError), (502, TemporaryFetchError)],
)
def test_get_file_errors_keep_their_kind_and_hide_the_token(bot_api, status, error):
    bot_api.script["getFile"] = [
        (status, {"ok": False, "error_code": status, "description": "Bad Request: invalid"})
    ]
    with pytest.raises(error, match=f"HTTP {status}") as raised:
        fetcher_for("telegram")(media())
    assert BOT_TOKEN not in str(raised.value)
    assert len(bot_api.requests) == 1


def test_a_file_gone_from_the_server_is_permanent(bot_api):
    with pytest.raises(PermanentFetchError, match="HTTP 404"):
        fetcher_for("telegram")(media())
    assert [r["method"] for r in bot_api.requests] == ["getFile", "file"]


def test_a_file_over_the_limit_is_not_downloaded(bot_api, settings):
    settings.INBOUND_MEDIA_MAX_MB = 1
    bot_api.script["getFile"] = [
        (200, {"ok": True, "result": {"file_id": "x", "file_size": 5_000_000, "file_path": "a"}})
    ]
    with pytest.raises(PermanentFetchError, match="over the limit"):
        fetcher_for("telegram")(media())
    assert len(bot_api.requests) == 1


def test_a_get_file_answer_without_a_path_is_permanent(bot_api):
    bot_api.script["getFile"] = [(200, {"ok": True, "result": {"file_id": "x"}})]
    with pytest.raises(PermanentFetchError, match="without a file_path"):
        fetcher_for("telegram")(media())


def test_the_fetcher_needs_the_bot_token(settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(PermanentFetchError, match="TELEGRAM_BOT_TOKEN"):
        fetcher_for("telegram")(media())


def test_a_network_error_while_fetching_is_temporary(bot_api):
    bot_api.stop()
    with pytest.raises(TemporaryFetchError, match="Network error") as raised:
        fetcher_for("telegram")(media())
    assert BOT_TOKEN not in str(raised.value)


# --- telegram_set_webhook ------------------------------------------------------------------


def test_the_command_sets_the_webhook_with_the_secret(bot_api):
    out = io.StringIO()
    call_command("telegram_set_webhook", stdout=out)
    (request,) = bot_api.requests
    assert (request["http"], request["path"]) == ("POST", f"/bot{BOT_TOKEN}/setWebhook")
    assert request["json"] == {
        "url": "https://lapor.bandung.go.id/webhooks/telegram/",
        "secret_token": SECRET_TOKEN,
        "allowed_updates": ["message", "edited_message", "callback_query"],
    }
    assert "https://lapor.bandung.go.id/webhooks/telegram/" in out.getvalue()
    assert "Webhook was set" in out.getvalue()
    assert BOT_TOKEN not in out.getvalue()


def test_the_command_can_drop_pending_updates(bot_api):
    call_command("telegram_set_webhook", "--drop-pending-updates", stdout=io.StringIO())
    assert bot_api.requests[0]["json"]["drop_pending_updates"] is True


def test_the_command_reports_telegram_refusing(bot_api):
    bot_api.script["setWebhook"] = [
        (
            400,
            {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: bad webhook: Failed to resolve host",
            },
        )
    ]
    with pytest.raises(CommandError, match="HTTP 400: Bad Request: bad webhook") as raised:
        call_command("telegram_set_webhook")
    assert BOT_TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("TELEGRAM_BOT_TOKEN", "", "Set TELEGRAM_BOT_TOKEN"),
        ("TELEGRAM_SECRET_TOKEN", "", "Set TELEGRAM_BOT_TOKEN"),
        ("TELEGRAM_SECRET_TOKEN", "has spaces and $", "1-256 characters"),
        ("PUBLIC_BASE_URL", "http://127.0.0.1:8000", "needs an https:// webhook"),
    ],
)
def test_the_command_refuses_what_telegram_would_refuse(bot_api, settings, setting, value, message):
    setattr(settings, setting, value)
    with pytest.raises(CommandError, match=message):
        call_command("telegram_set_webhook")
    assert bot_api.requests == []


def test_the_command_reports_an_unreachable_api(bot_api):
    bot_api.stop()
    with pytest.raises(CommandError, match="could not be reached") as raised:
        call_command("telegram_set_webhook")
    assert BOT_TOKEN not in str(raised.value)
