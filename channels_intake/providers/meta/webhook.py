"""Facebook Page and Instagram webhook: Meta's GET handshake and signed POST deliveries.

One callback URL serves both subscriptions of the Meta app (objects "page" and
"instagram"); each parsed message carries its own channel, under which it is stored.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_intake.providers.meta import adapter as meta
from channels_intake.providers.meta.signing import signed_webhook


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest) -> HttpResponse:
    return signed_webhook(request, provider="meta", parse=meta.parse, settings_prefix="META")


urlpatterns = [path("meta/", meta_webhook, name="meta")]
