"""Sending one webhook: Standard Webhooks signature, no redirects, bounded waits.

Headers (https://www.standardwebhooks.com): `webhook-id` (the delivery's message id, the
same on every try: receivers drop repeats by it), `webhook-timestamp` (Unix seconds of
this try: receivers refuse old ones, against replay) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), made by the maintained
`standardwebhooks` library so any receiver can verify with its `Webhook.verify`.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime

import requests
from standardwebhooks.webhooks import Webhook

from ..delivery import TransportResult
from ..models import Delivery

TIMEOUT = (3.05, 10)
USER_AGENT = "Sigap-Webhooks/1"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(*, secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body),
    }


def send_webhook(delivery: Delivery) -> TransportResult:
    subscription = delivery.subscription
    if subscription is None or not subscription.is_active:
        return TransportResult(
            status=None, error="The subscription is gone or inactive.", permanent=True
        )
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(
            secret=subscription.secret,
            message_id=str(delivery.message_id),
            body=body,
            at=datetime.now(tz=UTC),
        ),
    }
    try:
        response = requests.post(
            subscription.url,
            data=body.encode(),
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return TransportResult(status=None, error=f"{type(exc).__name__}: {exc}")
    return TransportResult(status=response.status_code, body=response.text[:2000])
