"""Telegram Bot API transport: POST {base}/bot{token}/sendMessage.

The token sits in the URL path, so no error or log line here may carry the URL; every
message that leaves this module has the token scrubbed from it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings

from channels_intake.providers.sending import (
    PermanentSendError,
    SendResult,
    TemporarySendError,
    post_any_status,
)

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage


def redact(text: str, token: str) -> str:
    return text.replace(token, "<TELEGRAM_BOT_TOKEN>") if token else text


def api_call(
    *, api_base: str, token: str, method: str, payload: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """POST one Bot API method; (HTTP status, the JSON answer). Raises only on the network.

    Telegram answers every error as {"ok": false, "error_code", "description"} with the
    same HTTP status, so callers read the answer, not the exception.
    """
    status, raw = post_any_status(f"{api_base.rstrip('/')}/bot{token}/{method}", json_body=payload)
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {"description": raw[:300].decode(errors="replace")}
    if not isinstance(answer, dict):
        answer = {"description": repr(answer)[:300]}
    return status, answer


def error_code(status: int, answer: dict[str, Any]) -> int:
    code = answer.get("error_code")
    return code if isinstance(code, int) else status


def describe(status: int, answer: dict[str, Any]) -> str:
    return f"HTTP {error_code(status, answer)}: {answer.get('description') or 'no description'}"


class TelegramSender:
    def __init__(self, *, api_base: str, bot_token: str) -> None:
        self.api_base = api_base
        self.bot_token = bot_token

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        # Telegram has no templates and no reply window: use_template never applies.
        chat_id = message.recipient
        try:
            status, answer = api_call(
                api_base=self.api_base,
                token=self.bot_token,
                method="sendMessage",
                payload={"chat_id": chat_id, "text": message.body},
            )
        except OSError as error:  # URLError and timeouts included
            raise TemporarySendError(redact(f"Network error: {error}", self.bot_token)) from None
        if answer.get("ok") is True and 200 <= status < 300:
            try:
                message_id = answer["result"]["message_id"]
            except (KeyError, TypeError):
                raise PermanentSendError(
                    redact(f"Answer without a message id: {answer!r:.300}", self.bot_token)
                ) from None
            # The id an inbound reply or button tap names (providers/telegram/adapter reply_to).
            return SendResult(provider_message_id=f"{chat_id}:{message_id}")
        code = error_code(status, answer)
        detail = redact(describe(status, answer), self.bot_token)
        if code == 429:
            # The outbox's backoff (30 s and up) already outwaits a typical retry_after.
            retry_after = (answer.get("parameters") or {}).get("retry_after")
            raise TemporarySendError(f"{detail} (retry after {retry_after} s)")
        if code >= 500 or status >= 500:
            raise TemporarySendError(detail)
        # 400 chat not found, 403 bot blocked by the user, 401 bad token: a retry fails alike.
        raise PermanentSendError(detail)


def build() -> TelegramSender | None:
    """The registry's sender: None until TELEGRAM_BOT_TOKEN is set."""
    if not settings.TELEGRAM_BOT_TOKEN:
        return None
    return TelegramSender(
        api_base=settings.TELEGRAM_API_BASE, bot_token=settings.TELEGRAM_BOT_TOKEN
    )
