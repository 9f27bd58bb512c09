"""Pigeon, a made-up SMS gateway: verify its shared token and parse its JSON deliveries.

A provider written the way docs/channels/README.md says, to prove that adding one is a
folder and a registry line (tests/channels_intake/test_adding_a_provider.py).
"""

from __future__ import annotations

import hmac

from channels_intake.normalized import NormalizedMessage, PayloadError, json_object
from complaints.models import Channel

TOKEN_HEADER = "X-Pigeon-Token"


def verify_token(given: str | None, expected: str) -> bool:
    return bool(expected and given) and hmac.compare_digest(given.encode(), expected.encode())


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    payload = json_object(raw_body)
    try:
        return [
            NormalizedMessage(
                channel=Channel.SMS,
                provider_message_id=f"pigeon:{item['id']}",
                sender_id=item["from"],
                sender_phone=item["from"],
                message_type="text",
                text=item["text"],
            )
            for item in payload["messages"]
        ]
    except (KeyError, TypeError) as exc:
        raise PayloadError(f"Not a Pigeon delivery: {exc!r}") from None
