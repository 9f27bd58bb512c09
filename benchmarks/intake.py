"""Channel intake: signed WhatsApp and Twilio webhooks, then stored messages becoming complaints.

Imported by suite.py after django.setup(). The payloads are the providers' real formats
(tests/channels_intake/fixtures), each with a new message id and a new citizen, signed
here with the providers' algorithms rather than with the adapters' own code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client, override_settings
from timing import Result, measure

from channels_intake.inbox import inbound_enqueue
from channels_intake.models import InboundMessage
from channels_intake.services import inbound_process
from complaints.models import Channel, Complaint

APP_SECRET, AUTH_TOKEN = "bench-app-secret", "bench-auth-token"
WHATSAPP_URL, TWILIO_URL = "/webhooks/whatsapp/", "/webhooks/twilio/"
TEXT = "LAPOR jalan berlubang di Jl. Merdeka depan No. {i} \u2013 bahaya \U0001f627"


def whatsapp_body(i: int) -> bytes:
    """One text message as Meta posts it (fixtures/whatsapp/text.json), from citizen `i`."""
    wa_id = f"62813{30_000_000 + i:08d}"
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001708", "phone_number_id": "1122334455667"},
        "contacts": [{"profile": {"name": f"Warga WA {i}"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": f"wamid.bench{i:012d}",
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": TEXT.format(i=i)},
            }
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    # Meta escapes non-ASCII; the signature is over these exact bytes.
    return json.dumps(payload, separators=(",", ":")).encode()


def post_whatsapp(client: Client, raw: bytes) -> dict[str, Any]:
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post(
        WHATSAPP_URL,
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    return _ok(response).json()


def post_twilio(client: Client, i: int) -> None:
    """One inbound SMS as Twilio posts it (fixtures/twilio/sms.txt), from citizen `i`."""
    sid = f"SM{i:032x}"
    params = {
        "ToCountry": "ID",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": TEXT.format(i=i),
        "FromCountry": "ID",
        "To": "+6281100001708",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c",
        "From": f"+62814{30_000_000 + i:08d}",
        "ApiVersion": "2010-04-01",
    }
    # Twilio: base64 HMAC-SHA1 of the public URL, then every name and value, names sorted.
    signed = settings.PUBLIC_BASE_URL + TWILIO_URL + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(AUTH_TOKEN.encode(), signed.encode(), hashlib.sha1).digest()
    _ok(
        client.post(
            TWILIO_URL,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": base64.b64encode(digest).decode()},
        )
    )


def _ok(response: Any) -> Any:
    if response.status_code != 200:
        path = response.request["PATH_INFO"]
        raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]!r}")
    return response


@override_settings(
    WHATSAPP_APP_SECRET=APP_SECRET,
    TWILIO_AUTH_TOKEN=AUTH_TOKEN,
    TWILIO_ACCOUNT_SID="",  # checked against the form when set; the caller's must not leak in
    # No draft window: every text is a whole report and becomes a complaint at once.
    CONVERSATION_WINDOW_SECONDS=0,
)
def bench_intake(*, ops: int, repetitions: int, warmup: int) -> list[Result]:
    """The webhooks (verify, store, enqueue, answer), then processing what they stored."""
    rounds = {"ops": ops, "repetitions": repetitions, "warmup": warmup}
    client = Client()
    bodies: list[bytes] = []

    def whatsapp_new(i: int) -> None:
        bodies.append(whatsapp_body(i))
        if post_whatsapp(client, bodies[-1]) != {"received": 1, "new": 1}:
            raise RuntimeError("a new WhatsApp message was not stored")

    def whatsapp_again(i: int) -> None:
        if post_whatsapp(client, bodies[i % len(bodies)]) != {"received": 1, "new": 0}:
            raise RuntimeError("a redelivery was stored a second time")

    new = measure("intake", "POST /webhooks/whatsapp/, a new text message", whatsapp_new, **rounds)
    new.extra["note"] = "the publish of the processing task included (see below)"
    again = measure(
        "intake", "POST /webhooks/whatsapp/, a redelivery (same wamid)", whatsapp_again, **rounds
    )
    sms = measure(
        "intake", "POST /webhooks/twilio/, a new SMS", lambda i: post_twilio(client, i), **rounds
    )

    stored = list(
        InboundMessage.objects.filter(channel=Channel.WHATSAPP)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    publish = measure(
        "intake",
        "for comparison: that publish alone (inbound_enqueue, filesystem broker)",
        lambda i: inbound_enqueue(message_id=stored[i % len(stored)]),
        **rounds,
    )

    outcomes: dict[str, int] = {}

    def process(i: int) -> None:
        outcome = inbound_process(message_id=stored[i]).value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    before = Complaint.objects.count()
    processing = measure(
        "intake",
        "inbound_process: a stored WhatsApp text becomes a complaint (routing not included)",
        process,
        ops=(len(stored) - warmup) // repetitions,
        repetitions=repetitions,
        warmup=warmup,
    )
    processing.extra["outcomes"] = outcomes
    processing.extra["note"] = f"{Complaint.objects.count() - before:,} complaints made"
    return [new, again, sms, publish, processing]
