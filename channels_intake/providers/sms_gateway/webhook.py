"""A generic SMS gateway's webhook: GET or POST, form or JSON, one shared token.

The stored raw body is the canonical JSON of providers/sms_gateway/adapter (what parse() reads
back), since a GET has no body and gateways name their fields differently.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_intake.normalized import PayloadError
from channels_intake.providers.sms_gateway import adapter as sms_gateway
from channels_intake.providers.sms_inline import keyword_reply
from channels_intake.providers.webhooks import bad_payload, bad_signature, not_configured, store_all


def _params(request: HttpRequest) -> dict[str, Any]:
    """The query string merged with the form or JSON body (the body wins)."""
    params: dict[str, Any] = dict(request.GET.items())
    if request.method != "POST":
        return params
    content_type = request.content_type or ""
    if content_type == "application/json" or request.body.lstrip()[:1] == b"{":
        try:
            body = json.loads(request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PayloadError(f"The body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise PayloadError("The JSON body is not an object.")
        params.update(body)
    else:
        params.update(request.POST.items())
    return params


def _token(request: HttpRequest, params: dict[str, Any]) -> str:
    authorization = request.headers.get("Authorization", "")
    scheme, _sep, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    header = request.headers.get(sms_gateway.TOKEN_HEADER, "")
    if header:
        return header
    token = params.get("token")
    return token if isinstance(token, str) else ""


@csrf_exempt
@require_http_methods(["GET", "POST"])
def sms_gateway_webhook(request: HttpRequest) -> HttpResponse:
    expected = settings.SMS_GATEWAY_TOKEN
    if not expected:
        return not_configured("SMS_GATEWAY_TOKEN")
    body_error = None
    try:
        params = _params(request)
    except PayloadError as exc:
        # Authenticate first (the token may be in a header): strangers learn nothing.
        params, body_error = dict(request.GET.items()), exc
    if not sms_gateway.verify_token(_token(request, params), expected):
        return bad_signature("token")
    if body_error is not None:
        return bad_payload(body_error)
    try:
        raw = sms_gateway.canonical_body(params)
        messages = sms_gateway.parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    # Recorded before the message is stored, so the worker never sends it again.
    reply = None
    for message in messages:
        reply = keyword_reply(message, provider_message_id=f"inline:{message.provider_message_id}")
    headers = {
        "Content-Type": request.headers.get("Content-Type", ""),
        "X-Method": request.method or "",
    }
    received, created = store_all(
        provider="sms_gateway", messages=messages, raw=raw, headers=headers
    )
    answer: dict[str, Any] = {"received": received, "new": created}
    if reply is not None:
        answer["reply"] = reply
    return JsonResponse(answer)


urlpatterns = [path("sms-gateway/", sms_gateway_webhook, name="sms_gateway")]
