"""Post a real-format, correctly signed channel message to a running Sigap.

For trying the channels by hand (README "Channels"): start Sigap with the channel's
secret set, then send it what the provider would send.

    WHATSAPP_APP_SECRET=s3cret SMS_GATEWAY_TOKEN=t0ken TWILIO_AUTH_TOKEN=tw make run
    WHATSAPP_APP_SECRET=s3cret python scripts/send_sample.py whatsapp "Jalan berlubang di Jl. Riau"
    WHATSAPP_APP_SECRET=s3cret python scripts/send_sample.py whatsapp --location=-6.9147,107.6098
    WHATSAPP_APP_SECRET=s3cret python scripts/send_sample.py whatsapp KIRIM
    TWILIO_AUTH_TOKEN=tw python scripts/send_sample.py twilio "LAPOR lampu jalan mati"
    SMS_GATEWAY_TOKEN=t0ken python scripts/send_sample.py sms-gateway "CEK AB12-CD34"

The secret must be the one the server runs with; the URL must be the server's
PUBLIC_BASE_URL (Twilio signs the public URL). Standard library only.
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


def whatsapp(args: argparse.Namespace) -> tuple[str, bytes, dict[str, str]]:
    secret = _secret("WHATSAPP_APP_SECRET")
    message: dict = {"from": args.sender.lstrip("+"), "id": f"wamid.{uuid.uuid4().hex}"}
    message["timestamp"] = str(int(time.time()))
    if args.location:
        lat, lon = (float(x) for x in args.location.split(","))
        message.update(type="location", location={"latitude": lat, "longitude": lon})
    else:
        message.update(type="text", text={"body": args.text})
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001708", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": args.name}, "wa_id": args.sender.lstrip("+")}],
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
    return f"{args.url}/webhooks/whatsapp/", raw, headers


def twilio(args: argparse.Namespace) -> tuple[str, bytes, dict[str, str]]:
    token = _secret("TWILIO_AUTH_TOKEN")
    url = f"{args.url}/webhooks/twilio/"
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
        "From": args.sender,
        "To": "+621708",
        "Body": args.text,
        "NumMedia": "0",
    }
    # Twilio: HMAC-SHA1 of the URL followed by each POST key and value, sorted by key.
    signed = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": base64.b64encode(digest).decode(),
    }
    return url, urllib.parse.urlencode(params).encode(), headers


def sms_gateway(args: argparse.Namespace) -> tuple[str, bytes, dict[str, str]]:
    token = _secret("SMS_GATEWAY_TOKEN")
    body = {"sender": args.sender, "message": args.text, "id": uuid.uuid4().hex}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return f"{args.url}/webhooks/sms-gateway/", json.dumps(body).encode(), headers


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        sys.exit(f"Set {name} to the value the server runs with.")
    return value


CHANNELS = {"whatsapp": whatsapp, "twilio": twilio, "sms-gateway": sms_gateway}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("channel", choices=sorted(CHANNELS))
    parser.add_argument("text", nargs="?", default="")
    parser.add_argument("--from", dest="sender", default="+6281234567890")
    parser.add_argument("--name", default="Warga Uji")
    parser.add_argument("--location", help="lat,lon (WhatsApp only)")
    parser.add_argument("--url", default=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"))
    args = parser.parse_args()
    args.url = args.url.rstrip("/")
    if not args.text and not args.location:
        parser.error("give a text (or --location for WhatsApp)")
    url, body, headers = CHANNELS[args.channel](args)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local use
            print(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        print(error.code, error.read().decode())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
