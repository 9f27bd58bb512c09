"""Twilio MMS media: GET the MediaUrl, with basic auth only on Twilio's own API host.

Twilio answers a media URL with a redirect to its storage (a signed link). The account's
credentials go to api.twilio.com (needed when "HTTP Basic Authentication for media" is
on) but never follow the redirect: the storage host must not see them, and it refuses
a request that carries a second kind of authorization.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from channels_intake.providers.fetching import Fetched, PermanentFetchError, http_get
from channels_intake.providers.sending import basic_auth

if TYPE_CHECKING:
    from channels_intake.models import InboundMedia

TWILIO_API = "https://api.twilio.com"


def is_twilio_api(url: str) -> bool:
    """Only these hosts get the credentials (a prefix match up to the path, not the host)."""
    bases = {settings.TWILIO_API_BASE.rstrip("/"), TWILIO_API}
    return any(url.startswith(base + "/") for base in bases)


def fetch(media: InboundMedia) -> Fetched:
    url = media.url
    if not url:
        raise PermanentFetchError("The media has no URL")
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if is_twilio_api(url) and sid and token:
        fetched = http_get(url, headers={"Authorization": basic_auth(sid, token)})
    else:
        fetched = http_get(url)
    return Fetched(content=fetched.content, content_type=media.mime_type or fetched.content_type)
