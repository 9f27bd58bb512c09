"""The sender interface, its two kinds of failure, and the one HTTP POST every provider makes."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from channels_intake.models import OutboundMessage

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    # WhatsApp outside the 24-hour window: the template went instead of the text.
    as_template: bool = False


class SendError(Exception):
    pass


class TemporarySendError(SendError):
    """Worth another try later: the network, a timeout, 429 or a 5xx."""


class PermanentSendError(SendError):
    """Another try would fail the same way: a 4xx other than 429, a bad recipient."""


class Sender(Protocol):
    def send(self, message: OutboundMessage, *, use_template: bool = False) -> SendResult: ...


def post_any_status(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
) -> tuple[int, bytes]:
    """POST `form` (urlencoded) or else `json_body`; (HTTP status, body) whatever the status.

    Raises only on the network (OSError: URLError and timeouts included). For a provider
    whose error answers carry more than `post` reads from them (Telegram).
    """
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        data, content_type = json.dumps(json_body).encode(), "application/json"
    request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, https in production
        url, data=data, method="POST", headers={"Content-Type": content_type}
    )
    for name, value in (headers or {}).items():
        # Credentials go to `url` only, never along a redirect to another host.
        request.add_unredirected_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_error(status: int, body: bytes) -> SendError:
    """The usual reading of an HTTP error: 429 and 5xx may pass, any other 4xx would repeat."""
    kind = TemporarySendError if status == 429 or status >= 500 else PermanentSendError
    return kind(f"HTTP {status}: {body[:500].decode(errors='replace')}")


def post(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
    classify: Callable[[int, bytes], SendError] = http_error,
) -> bytes:
    """POST as `post_any_status` does; the body of a 2xx answer, else a SendError.

    `classify` turns an HTTP error into its kind, for a provider with rules of its own.
    """
    try:
        status, body = post_any_status(url, headers=headers, json_body=json_body, form=form)
    except OSError as error:
        raise TemporarySendError(f"Network error: {error}") from error
    if not 200 <= status < 300:
        raise classify(status, body)
    return body


def json_answer(body: bytes) -> Any:
    """The JSON of a 2xx answer (an empty body is {})."""
    try:
        return json.loads(body or b"{}")
    except ValueError as error:
        # The message may have gone even so: never resend blindly.
        raise PermanentSendError(f"Unreadable answer: {error}") from error


def basic_auth(user: str, password: str) -> str:
    """An HTTP basic Authorization header value (Twilio's API, for sends and media)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
