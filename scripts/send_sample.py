"""Post a real-format, correctly signed channel message to a running Sigap.

For trying the channels by hand (README "Channels"): start Sigap with the channel's
secret set, then send it what the provider would send.

    WHATSAPP_APP_SECRET=s3cret SMS_GATEWAY_TOKEN=t0ken TWILIO_AUTH_TOKEN=tw make run
    WHATSAPP_APP_SECRET=s3cret python scripts/send_sample.py whatsapp "Jalan berlubang di Jl. Riau"
    WHATSAPP_APP_SECRET=s3cret python scripts/send_sample.py whatsapp --location=-6.9147,107.6098
    WHATSAPP_APP_SECRET=s3cret python scripts/send_sample.py whatsapp KIRIM
    TWILIO_AUTH_TOKEN=tw python scripts/send_sample.py twilio "LAPOR lampu jalan mati di Kel. Dago"
    SMS_GATEWAY_TOKEN=t0ken python scripts/send_sample.py sms-gateway "CEK AB12-CD34"

The secret must be the one the server runs with; the URL must be the server's
PUBLIC_BASE_URL (Twilio signs the public URL). Standard library only: scripts/smoke_run.py
uses it too.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

SECRETS = {
    "whatsapp": "WHATSAPP_APP_SECRET",
    "twilio": "TWILIO_AUTH_TOKEN",
    "sms-gateway": "SMS_GATEWAY_TOKEN",
}


@dataclass(frozen=True)
class Sample:
    url: str
    body: bytes
    headers: dict[str, str]


def whatsapp(
    base: str, secret: str, *, text: str, sender: str, name: str, location: str = ""
) -> Sample:
    wa_id = sender.lstrip("+")
    message: dict = {"from": wa_id, "id": f"wamid.{uuid.uuid4().hex}"}
    message["timestamp"] = str(int(time.time()))
    if location:
        lat, lon = (float(x) for x in location.split(","))
        message.update(type="location", location={"latitude": lat, "longitude": lon})
    else:
        message.update(type="text", text={"body": text})
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001708", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [message],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    # Meta escapes non-ASCII; the signature is over these exact bytes.
    raw = json.dumps(payload, separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    return Sample(f"{base}/webhooks/whatsapp/", raw, headers)


def twilio(base: str, secret: str, *, text: str, sender: str, **_ignored: str) -> Sample:
    url = f"{base}/webhooks/twilio/"
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        "From": sender,
        "To": "+621708",
        "Body": text,
        "NumMedia": "0",
    }
    # Twilio: HMAC-SHA1 of the URL followed by each POST key and value, sorted by key.
    signed = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha1).digest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": base64.b64encode(digest).decode(),
    }
    return Sample(url, urllib.parse.urlencode(params).encode(), headers)


def sms_gateway(base: str, secret: str, *, text: str, sender: str, **_ignored: str) -> Sample:
    body = {"sender": sender, "message": text, "id": uuid.uuid4().hex}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
    return Sample(f"{base}/webhooks/sms-gateway/", json.dumps(body).encode(), headers)


BUILDERS = {"whatsapp": whatsapp, "twilio": twilio, "sms-gateway": sms_gateway}


def post(sample: Sample) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 - a local Sigap
        sample.url, data=sample.body, headers=sample.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("channel", choices=sorted(BUILDERS))
    parser.add_argument("text", nargs="?", default="")
    parser.add_argument("--from", dest="sender", default="+6281234567890")
    parser.add_argument("--name", default="Warga Uji")
    parser.add_argument(
        "--location", default="", help="lat,lon (WhatsApp only): --location=-6.9,107.6"
    )
    parser.add_argument("--url", default=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"))
    args = parser.parse_args()
    if not args.text and not args.location:
        parser.error("give a text (or --location for WhatsApp)")
    secret = os.environ.get(SECRETS[args.channel], "")
    if not secret:
        parser.error(f"set {SECRETS[args.channel]} to the value the server runs with")
    sample = BUILDERS[args.channel](
        args.url.rstrip("/"),
        secret,
        text=args.text,
        sender=args.sender,
        name=args.name,
        location=args.location,
    )
    status, answer = post(sample)
    print(status, answer)
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
