"""Inbound email: django-anymail's provider webhooks, guarded, and one store path for all mail.

Anymail verifies each provider (Mailgun's HMAC signature, the basic auth of the others),
parses its payload into an RFC 822 message and sends the `inbound` signal; the receiver
here stores that message's bytes through the inbox like every other channel's delivery.
IMAP polling (providers/email/imap.py) stores through `email_store` (store.py) too, so one message
arriving both ways (same Message-ID) is stored once.

Anymail only warns when a webhook has no secret; Sigap never accepts mail it cannot
authenticate, so each mounted webhook answers 503 until its own secret is set.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from email import encoders
from email.message import Message
from typing import Any

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError, AnymailWebhookValidationFailure
from anymail.signals import AnymailInboundEvent
from anymail.utils import get_request_basic_auth
from anymail.webhooks.mailgun import MailgunBaseWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, include, path
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from channels_intake.providers.email.store import email_store
from channels_intake.providers.webhooks import (
    StaleDelivery,
    bad_payload,
    bad_signature,
    not_configured,
    stale_reason,
    stale_response,
)
from config.request_guard import json_depth_exceeds, too_deep_response

logger = logging.getLogger(__name__)

# Anymail's inbound URL names that Sigap mounts, and the settings each one needs: Mailgun
# signs its requests; Postmark has only the basic auth in the URL. Another provider is
# one line here, a test and a paragraph in docs/channels/email.md.
PROVIDERS: dict[str, tuple[str, ...]] = {
    "mailgun_inbound_webhook": ("MAILGUN_WEBHOOK_SIGNING_KEY",),
    "postmark_inbound_webhook": ("ANYMAIL_WEBHOOK_SECRET",),
}
# Postmark posts the whole message, photos included, as one JSON body (its inbound limit is
# 35 MB), far over DATA_UPLOAD_MAX_MEMORY_SIZE, which is meant for forms; see
# _read_large_body. Mailgun's parsed form sends files as file parts, which Django streams.
MAX_WEBHOOK_BYTES = 40 * 1024 * 1024


def on_inbound_email(
    sender: object, event: AnymailInboundEvent, esp_name: str, **kwargs: Any
) -> None:
    """Anymail's `inbound` signal: store the message's bytes (its own view answers 200).

    A PayloadError goes up to the guarded view (400); a database error to Django (500),
    which the provider retries.
    """
    # Mailgun signs its timestamp: an old one is a captured request replayed (Postmark
    # sends none; its basic auth has no time in it).
    stamp = event.timestamp.timestamp() if event.timestamp else None
    reason = stale_reason(stamp, f"This {esp_name} delivery")
    if reason is not None:
        raise StaleDelivery(reason)
    raw = _transfer_encoded(event.message).as_bytes()
    received, _new = email_store(raw=raw, source=f"anymail:{esp_name}")
    if not received:
        logger.info("%s delivered an automatic email; not stored", esp_name)


def _transfer_encoded(message: Message) -> Message:
    """Base64 every file part anymail built from raw bytes (Postmark's attachments, Mailgun's
    uploaded files): without a Content-Transfer-Encoding they would be written as 8-bit
    lines, whose line endings the generator rewrites, and the file would not come back
    byte for byte when the worker parses the stored message.
    """
    for part in message.walk():
        payload = part.get_payload()
        if (
            part.is_multipart()
            or not isinstance(payload, str)
            or "Content-Transfer-Encoding" in part
        ):
            continue
        try:
            payload.encode("ascii")
        except UnicodeEncodeError:
            # Raw bytes are held as surrogate escapes; get_payload(decode=True) restores them.
            encoders.encode_base64(part)
    return message


def _read_large_body(request: HttpRequest) -> HttpResponse | None:
    """Let an authenticated JSON delivery past Django's form-sized body limit, up to
    MAX_WEBHOOK_BYTES; 413 above it. The body is read only once the basic auth matches, so
    an anonymous client cannot make the server hold 40 MB; anymail refuses those itself.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= limit:
        return None
    if length > MAX_WEBHOOK_BYTES:
        return JsonResponse({"error": f"A message of {length} bytes is too large."}, status=413)
    secret = settings.ANYMAIL_WEBHOOK_SECRET
    if not secret or not constant_time_compare(get_request_basic_auth(request) or "", secret):
        return None
    body = request.read(length)
    # The request guard leaves bodies this large to the view (it must not read them before
    # the auth matches): the depth check is made here instead.
    if json_depth_exceeds(body, settings.REQUEST_MAX_JSON_DEPTH):
        return too_deep_response(settings.REQUEST_MAX_JSON_DEPTH)
    # Django's own lazy body, filled in: request.body and request.POST read it from here.
    request._body = body  # type: ignore[attr-defined]
    request._stream = io.BytesIO(body)  # type: ignore[attr-defined]
    return None


def _guarded(view_class: type[Any], required: tuple[str, ...]) -> Callable[..., HttpResponse]:
    """Anymail's view, behind a 503 while any of `required` is unset.

    Settings are read on each request (anymail builds its view per request too), so the
    Mailgun signing key under Sigap's own name is handed over explicitly; anymail reads
    ANYMAIL_WEBHOOK_SECRET by that name itself.
    """

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        missing = [name for name in required if not getattr(settings, name, "")]
        if missing:
            return not_configured(*missing)
        refused = _read_large_body(request)
        if refused is not None:
            return refused
        init: dict[str, Any] = {}
        if issubclass(view_class, MailgunBaseWebhookView):
            init["webhook_signing_key"] = settings.MAILGUN_WEBHOOK_SIGNING_KEY
        try:
            response: HttpResponse = view_class.as_view(**init)(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            # A bad Mailgun signature or basic auth: anymail raises a SuspiciousOperation,
            # which Django answers with a 400 HTML page; a refused credential is a 403.
            return bad_signature("signature or basic auth")
        except StaleDelivery as exc:
            return stale_response(exc)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Authenticated, but unreadable: not JSON, a form without its fields, fields of
            # the wrong type ({"From": 5}), or no email inside (PayloadError). Anymail
            # itself would answer 500.
            return bad_payload(f"Unreadable {view_class.esp_name} payload: {exc!r:.300}")
        except AnymailConfigurationError as exc:
            # E.g. a tracking webhook or Mailgun's store() pointed at the inbound URL.
            return bad_payload(exc)
        return response

    view.view_class = view_class  # type: ignore[attr-defined]
    return view


def email_urlpatterns() -> list[URLPattern]:
    """Anymail's own paths for the PROVIDERS (e.g. mailgun/inbound/), each one guarded."""
    return [
        URLPattern(
            pattern.pattern,
            _guarded(pattern.callback.view_class, PROVIDERS[pattern.name]),
            name=pattern.name,
        )
        for pattern in anymail_urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.name in PROVIDERS
    ]


urlpatterns = [path("email/", include((email_urlpatterns(), "email")))]
