"""One store path for all mail: the provider webhooks and the IMAP poller both end here."""

from __future__ import annotations

from channels_intake.providers.email import adapter as email_adapter
from channels_intake.providers.webhooks import store_all


def email_store(*, raw: bytes, source: str) -> tuple[int, int]:
    """Commit one raw RFC 822 message to the inbox; (received, new).

    A machine's message (an auto-reply, a bounce, our own) is not stored: (0, 0).
    Raises PayloadError when `raw` is not an email at all.
    """
    messages = email_adapter.parse(raw)
    headers = {"Content-Type": "message/rfc822", "X-Sigap-Source": source}
    return store_all(provider="email", messages=messages, raw=raw, headers=headers)
