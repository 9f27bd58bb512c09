"""The SMS channel's one parser: Twilio's form or a gateway's canonical JSON, by shape.

Both providers store under Channel.SMS and the worker parses with PARSERS[Channel.SMS].
A Twilio body is a URL-encoded form (it starts with a parameter name); a gateway body is
the canonical JSON object written by adapters.sms_gateway (it starts with "{").
"""

from __future__ import annotations

from ..normalized import NormalizedMessage
from . import sms_gateway, twilio


def parse(raw_body: bytes) -> list[NormalizedMessage]:
    if raw_body.lstrip()[:1] == b"{":
        return sms_gateway.parse(raw_body)
    return twilio.parse(raw_body)
