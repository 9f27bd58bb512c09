"""Messenger and Instagram transport: POST {base}/me/messages with the page access token.

A citizen who wrote a direct message is answered in that conversation (recipient.id =
their page- or Instagram-scoped id). A citizen who wrote a public comment is answered by
a *private reply* to the comment (recipient.comment_id): the tracking code and link reach
them in Messenger / Instagram Direct, and their case stays out of the public thread.
Meta allows one private reply per comment, within 7 days (docs/channels/meta.md).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from .base import PermanentSendError, SendResult, TemporarySendError

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

TIMEOUT_SECONDS = 10
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


class MetaSender:
    """One sender for both channels: Instagram messaging runs on the Page's token."""

    def __init__(self, *, api_base: str, access_token: str) -> None:
        self.url = f"{api_base.rstrip('/')}/me/messages"
        self.access_token = access_token

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        # use_template is WhatsApp's notion; Meta's Send API has no template fallback here.
        body = json.dumps(meta_payload(message)).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, https in production
            self.url,
            data=body,
            method="POST",
            headers={
                # A header, not ?access_token=: the token stays out of proxy and server logs.
                "Authorization": f"Bearer {self.access_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raw = error.read()[:2000]
            graph = _graph_error(raw)
            detail = f"HTTP {error.code}: {raw[:500].decode(errors='replace')}"
            if (
                error.code == 429
                or error.code >= 500
                or graph.get("code") in RATE_LIMIT_CODES
                or graph.get("is_transient") is True
            ):
                raise TemporarySendError(detail) from error
            raise PermanentSendError(detail) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TemporarySendError(f"Network error: {error}") from error
        except ValueError as error:
            # A 2xx whose body is not JSON: the message may have gone; never resend blindly.
            raise PermanentSendError(f"Unreadable answer: {error}") from error
        provider_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not provider_id:
            raise PermanentSendError(f"Answer without a message id: {answer!r:.300}")
        return SendResult(provider_message_id=str(provider_id))
