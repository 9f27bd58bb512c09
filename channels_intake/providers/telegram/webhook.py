"""Telegram Bot API webhook: deliveries authenticated by the secret token header."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_intake.normalized import PayloadError
from channels_intake.providers.telegram import adapter as telegram
from channels_intake.providers.webhooks import (
    bad_payload,
    bad_signature,
    not_configured,
    stale_refusal,
    store_all,
    stored_response,
)


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest) -> HttpResponse:
    if not (settings.TELEGRAM_SECRET_TOKEN and settings.TELEGRAM_BOT_TOKEN):
        # Without the secret anyone could post updates; without the bot token we could
        # neither answer nor fetch a photo.
        return not_configured("TELEGRAM_SECRET_TOKEN", "TELEGRAM_BOT_TOKEN")
    header = request.headers.get(telegram.SECRET_HEADER)
    if not telegram.verify_secret_token(header, settings.TELEGRAM_SECRET_TOKEN):
        return bad_signature(telegram.SECRET_HEADER)
    raw = request.body
    try:
        messages = telegram.parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    stale = stale_refusal(messages)
    if stale is not None:
        return stale
    # The secret token is a credential: it is checked, never stored with the message.
    headers = {"Content-Type": request.headers.get("Content-Type", "")}
    return stored_response(
        *store_all(provider="telegram", messages=messages, raw=raw, headers=headers)
    )


urlpatterns = [path("telegram/", telegram_webhook, name="telegram")]
