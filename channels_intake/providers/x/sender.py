"""X API v2 transport: a reply in the citizen's public thread, or a direct message.

A message with a `thread_ref` (the complaint came as a mention) is posted as a reply to
that tweet: POST {base}/2/tweets. X fills in the "Replying to @..." of the author of the
tweet answered, so the text carries no handle. Any other message is a DM to the user id
in `recipient`: POST {base}/2/dm_conversations/with/{id}/messages.

Both endpoints need a user-context token of our account: X_BEARER_TOKEN is an OAuth 2.0
user access token with tweet.read, tweet.write, users.read, dm.read and dm.write (an
app-only bearer token is refused). See docs/channels/x.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from channels_intake.providers.sending import PermanentSendError, SendResult, json_answer, post

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

# A tweet's limit; our texts are at most 160 characters, and X counts a link as 23.
TWEET_MAX = 280


def x_request(message: OutboundMessage) -> tuple[str, dict[str, Any], str]:
    """(path, JSON body, the key of the new id in the answer's `data`)."""
    if message.thread_ref:
        payload = {"text": message.body, "reply": {"in_reply_to_tweet_id": message.thread_ref}}
        return "/2/tweets", payload, "id"
    if not message.recipient.isdigit():
        # A user id is digits; anything else would change the URL's path.
        raise PermanentSendError(f"Not an X user id: {message.recipient!r}")
    return (
        f"/2/dm_conversations/with/{message.recipient}/messages",
        {"text": message.body},
        ("dm_event_id"),
    )


class XSender:
    def __init__(self, *, api_base: str, bearer_token: str) -> None:
        self.api_base = api_base.rstrip("/")
        self.bearer_token = bearer_token

    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult:
        # X has no message templates and no reply window: use_template never applies.
        if message.thread_ref and len(message.body) > TWEET_MAX:
            raise PermanentSendError(f"Text of {len(message.body)} characters is over a tweet")
        path, payload, id_key = x_request(message)
        # 401 (token expired or revoked), 403 (not allowed to reply or DM this user, duplicate
        # text) and 400 would fail the same way again: the usual reading of HTTP errors holds.
        answer = json_answer(
            post(
                self.api_base + path,
                json_body=payload,
                headers={"Authorization": f"Bearer {self.bearer_token}"},
            )
        )
        try:
            provider_id = str(answer["data"][id_key])
        except (KeyError, TypeError):
            raise PermanentSendError(f"Answer without {id_key}: {answer!r:.300}") from None
        return SendResult(provider_message_id=provider_id)


def build() -> XSender | None:
    """The registry's sender: None while X_BEARER_TOKEN is unset (replies go to the log)."""
    if not settings.X_BEARER_TOKEN:
        return None
    return XSender(api_base=settings.X_API_BASE, bearer_token=settings.X_BEARER_TOKEN)
