"""Shared by the test_sms_*.py files (fixtures reach them through conftest.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from twilio.twiml.messaging_response import MessagingResponse

from channels_intake.models import InboundMessage

from .sms_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CITIZEN,
    FROM_NUMBER,
    PUBLIC_BASE,
    SMS_SID,
    FakeProvider,
)

State = InboundMessage.State
EMPTY_TWIML = str(MessagingResponse())


@pytest.fixture
def _twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_FROM_NUMBER = ""
    settings.SMS_GATEWAY_SEND_URL = ""
    settings.PUBLIC_BASE_URL = PUBLIC_BASE


@pytest.fixture
def twilio_api(settings):
    api = FakeProvider()
    settings.TWILIO_API_BASE = api.base
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    yield api
    api.stop()


def form(**fields: str) -> bytes:
    base = {
        "ToCountry": "ID",
        "SmsMessageSid": fields.get("MessageSid", SMS_SID),
        "NumMedia": "0",
        "SmsSid": fields.get("MessageSid", SMS_SID),
        "SmsStatus": "received",
        "Body": "halo",
        "FromCountry": "ID",
        "To": FROM_NUMBER,
        "NumSegments": "1",
        "MessageSid": SMS_SID,
        "AccountSid": ACCOUNT_SID,
        "From": CITIZEN,
        "ApiVersion": "2010-04-01",
    }
    base.update(fields)
    return urlencode(base).encode()


def twiml_message(response) -> str | None:
    """The <Message> text of a TwiML answer (None for an empty <Response/>)."""
    root = ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text
