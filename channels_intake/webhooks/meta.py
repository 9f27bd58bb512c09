"""Facebook Page and Instagram webhook: Meta's GET handshake and signed POST deliveries.

One callback URL serves both subscriptions of the Meta app (objects "page" and
"instagram"); each parsed message carries its own channel.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..adapters import meta
from ..normalized import PayloadError
from .common import bad_payload, bad_signature, not_configured, store_all, stored_response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        challenge = meta.verify_subscription(request.GET, settings.META_VERIFY_TOKEN)
        if challenge is None:
            return HttpResponse("Forbidden", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")

    if not settings.META_APP_SECRET:
        # Never accept traffic we cannot authenticate; Meta keeps retrying for hours.
        return not_configured("META_APP_SECRET")
    raw = request.body
    signature = request.headers.get(meta.SIGNATURE_HEADER)
    if not meta.verify_signature(raw, signature, settings.META_APP_SECRET):
        return bad_signature(meta.SIGNATURE_HEADER)
    try:
        messages = meta.parse(raw)
    except PayloadError as exc:
        return bad_payload(exc)
    headers = {
        meta.SIGNATURE_HEADER: signature or "",
        "Content-Type": request.headers.get("Content-Type", ""),
    }
    received = created = 0
    # One delivery holds one object, so one channel; grouping keeps that an assumption
    # the code does not depend on.
    for channel in dict.fromkeys(m.channel for m in messages):
        got, new = store_all(
            channel=channel,
            messages=[m for m in messages if m.channel == channel],
            raw=raw,
            headers=headers,
        )
        received += got
        created += new
    return stored_response(received, created)
