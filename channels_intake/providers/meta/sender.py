"""Messenger and Instagram transport: POST {base}/me/messages with the page access token.

A citizen who wrote a direct message is answered in that conversation (recipient.id =
their page- or Instagram-scoped id). A citizen who wrote a public comment is answered by
a *private reply* to the comment (recipient.comment_id): the tracking code and link reach
them in Messenger / Instagram Direct, and their case stays out of the public thread.
Meta allows one private reply per comment, within 7 days (docs/channels/meta.md).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings

from channels_intake.providers.sending import (
    PermanentSendError,
    SendError,
    SendResult,
    TemporarySendError,
    http_error,
    json_answer,
    post,
)

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

# Graph error codes for throttling: 4 (app), 17 (user), 32 (page), 613 (call rate), and the
# business-use-case limits of Instagram (80002) and Messenger (80006). Meta answers them
# with a 4xx, yet waiting is all they need.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80002, 80006})


def meta_payload(message: OutboundMessage) -> dict[str, Any]:
    """The Send API body: a private reply to the comment, or a DM to the scoped id."""
    if message.thread_ref:
        recipient = {"comment_id": message.thread_ref}
    else:
        recipient = {"id": message.recipient}
    return {
        "recipient": recipient,
        # An answer to the citizen's own message (the standard 24-hour window).
        "messaging_type": "RESPONSE",
        "message": {"text": message.body},
    }


def _graph_error(raw: bytes) -> dict[str, Any]:
    try:
        error = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def meta_error(status: int, body: bytes) -> SendError:
    """The usual reading of an HTTP error, but throttling or is_transient waits even on a 4xx."""
    error = http_error(status, body)
    graph = _graph_error(body)
    if graph.get("code") in RATE_LIMIT_CODES or graph.get("is_transient") is True:
        return TemporarySendError(str(error))
    return error


class MetaSender:
    """One sender for both channels: Instagram messaging runs on the Page's token."""

    def __init__(self, *, api_base: str, access_token: str) -> None:
        self.url = f"{api_base.rstrip('/')}/me/messages"
        self.access_token = access_token

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        # use_template is WhatsApp's notion; Meta's Send API has no template fallback here.
        answer = json_answer(
            post(
                self.url,
                json_body=meta_payload(message),
                # A header, not ?access_token=: the token stays out of proxy and server logs.
                headers={"Authorization": f"Bearer {self.access_token}"},
                classify=meta_error,
            )
        )
        provider_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not provider_id:
            raise PermanentSendError(f"Answer without a message id: {answer!r:.300}")
        return SendResult(provider_message_id=str(provider_id))


def build() -> MetaSender | None:
    """The registry's sender: None until META_PAGE_ACCESS_TOKEN is set."""
    if not settings.META_PAGE_ACCESS_TOKEN:
        return None
    return MetaSender(api_base=settings.META_API_BASE, access_token=settings.META_PAGE_ACCESS_TOKEN)
