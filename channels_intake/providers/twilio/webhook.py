"""Twilio inbound SMS/MMS webhook: signed form POSTs answered with TwiML.

The signature covers the URL Twilio requested, so it is rebuilt from PUBLIC_BASE_URL
(the address registered in Twilio's console), never from the Host header a proxy or a
client chose. The answer is an empty <Response />, or the inline answer to CEK/INFO
(providers/sms_inline.py).
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_intake.normalized import PayloadError
from channels_intake.providers.sms_inline import keyword_reply
from channels_intake.providers.twilio import adapter as twilio
from channels_intake.providers.webhooks import bad_payload, bad_signature, not_configured, store_all

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# Characters XML 1.0 cannot carry at all (a tracking code typed with control bytes).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def twiml(message: str | None = None) -> HttpResponse:
    """An empty <Response />, or <Response><Message>…</Message></Response> with the text escaped."""
    if message is None:
        # Byte for byte what twilio's MessagingResponse() writes.
        xml = f"{XML_DECLARATION}<Response />"
    else:
        text = escape(_NOT_XML.sub("", message))
        xml = f"{XML_DECLARATION}<Response><Message>{text}</Message></Response>"
    return HttpResponse(xml, content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def twilio_webhook(request: HttpRequest) -> HttpResponse:
    auth_token = settings.TWILIO_AUTH_TOKEN
    if not auth_token:
        return not_configured("TWILIO_AUTH_TOKEN")
    raw = request.body
    url = twilio.public_url(
        settings.PUBLIC_BASE_URL, request.path, request.META.get("QUERY_STRING", "")
    )
    signature = request.headers.get(twilio.SIGNATURE_HEADER)
    if not twilio.verify_signature(raw, url=url, signature=signature, auth_token=auth_token):
        return bad_signature(twilio.SIGNATURE_HEADER)
    try:
        messages = twilio.parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    expected_account = settings.TWILIO_ACCOUNT_SID
    if expected_account and twilio.account_sid(raw) != expected_account:
        # Signed with our token yet for another account: a shared token or a mix-up.
        return bad_signature("AccountSid")
    # Recorded BEFORE the message is stored: the worker that processes the message then
    # finds the answer in the outbox and never sends it a second time.
    reply = None
    for message in messages:
        reply = keyword_reply(message, provider_message_id=f"twiml:{message.provider_message_id}")
    headers = {
        twilio.SIGNATURE_HEADER: signature or "",
        "Content-Type": request.headers.get("Content-Type", ""),
        # The URL the signature was checked against, to replay or debug a refusal.
        "X-Sigap-Signed-Url": url,
    }
    store_all(provider="twilio", messages=messages, raw=raw, headers=headers)
    return twiml(reply)


urlpatterns = [path("twilio/", twilio_webhook, name="twilio")]
