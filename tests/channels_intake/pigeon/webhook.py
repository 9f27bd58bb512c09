"""Pigeon's webhook: check the token, parse, store; the worker does the rest."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_intake.normalized import PayloadError
from channels_intake.providers.webhooks import (
    bad_payload,
    bad_signature,
    store_all,
    stored_response,
)

from . import adapter

TOKEN = "pigeon-t0ken"


@csrf_exempt
@require_POST
def pigeon_webhook(request: HttpRequest) -> HttpResponse:
    if not adapter.verify_token(request.headers.get(adapter.TOKEN_HEADER), TOKEN):
        return bad_signature(adapter.TOKEN_HEADER)
    try:
        messages = adapter.parse(request.body)
    except PayloadError as exc:
        return bad_payload(exc)
    headers = {"Content-Type": request.headers.get("Content-Type", "")}
    return stored_response(
        *store_all(provider="pigeon", messages=messages, raw=request.body, headers=headers)
    )


urlpatterns = [path("pigeon/", pigeon_webhook, name="pigeon")]
