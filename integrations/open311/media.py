"""Open311 `media_url`: fetch the photo a client pointed at, safely, and attach it.

The URL comes from a stranger's request, so fetching it is a server-side request
forgery risk: it could name the cloud metadata service (169.254.169.254), the database
or an admin page on the internal network. The guard, for every hop of a redirect:
- only `http` and `https`, no user:password in the URL, ports 80 and 443;
- the host name is resolved once, every address must be public (not private, loopback,
  link-local, shared, multicast or reserved), and the connection goes to the address
  that was checked (no second lookup a DNS rebinding could answer differently); TLS is
  still verified against the host name;
- `OPEN311_MEDIA_ALLOWED_HOSTS` names hosts exempt from the address and port rule (a
  test server on 127.0.0.1, an in-house media server).
What comes back must say it is an image, fit in `OPEN311_MEDIA_MAX_MB` (read in chunks,
stopped past the cap), arrive within `OPEN311_MEDIA_TIMEOUT_SECONDS`, and pass
complaints.images.process_image (Pillow decodes it; re-encoding drops EXIF and GPS).

The fetch runs in a worker (integrations.tasks.fetch_open311_media), never in the POST.
A refusal or a failure is recorded on the Open311Media row and as an internal note on
the complaint; the request itself is never refused for its photo. docs/open311.md.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import certifi
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.images import ImageRejected, process_image
from complaints.lifecycle import SYSTEM_ACTOR
from complaints.models import Complaint
from complaints.services import attachment_add, complaint_add_note
from config.queue import enqueue

from ..models import Open311Media

logger = logging.getLogger(__name__)

URL_MAX = 2000
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"http": 80, "https": 443}
CHUNK = 64 * 1024
# Seconds before each retry of a temporary failure; then the row is failed.
RETRY_DELAYS = (30, 120, 600)
# How long the task waits for the complaint while its request is still queued.
COMPLAINT_WAIT_SECONDS = 60
COMPLAINT_WAIT_TRIES = 30


class MediaRefused(Exception):
    """A permanent refusal (address, answer, type, size, picture); the message says why."""


class MediaTemporary(Exception):
    """A failure worth trying again: timeout, connection, 429 or 5xx."""


def media_url_problem(url: str) -> str:
    """Why `url` can never be fetched (checked when the request is posted); "" if it may."""
    if len(url) > URL_MAX:
        return _("media_url is longer than %(max)d characters.") % {"max": URL_MAX}
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return _("media_url must be an http or https address.")
    if parts.username or parts.password:
        return _("media_url may not carry a user name or password.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return _("media_url has an invalid port.")
    return ""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _host_allowed(host: str) -> bool:
    return host.lower() in {h.lower() for h in settings.OPEN311_MEDIA_ALLOWED_HOSTS}


def _checked_address(host: str, port: int, scheme: str) -> str:
    """The one address to connect to, after every address of `host` passed the guard."""
    exempt = _host_allowed(host)
    if not exempt and port != DEFAULT_PORTS[scheme]:
        raise MediaRefused(_("Only the standard ports 80 and 443 are fetched."))
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise MediaTemporary(_("The host name could not be resolved.")) from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise MediaTemporary(_("The host name could not be resolved."))
    if not exempt and not all(_is_public(a) for a in addresses):
        raise MediaRefused(
            _("The address is private, loopback or link-local; only public hosts are fetched.")
        )
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        context = ssl.create_default_context(cafile=certifi.where())
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str
    url: str  # after redirects


def safe_http_get(url: str, *, max_bytes: int, timeout: float) -> Fetched:
    """GET `url` through the guard; MediaRefused or MediaTemporary when it cannot."""
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        problem = media_url_problem(url)
        if problem:
            raise MediaRefused(problem)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        address = _checked_address(host, port, parts.scheme)
        remaining = max(0.1, deadline - time.monotonic())
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, address=address, timeout=remaining)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "GET", target, headers={"User-Agent": "Sigap-Open311/1", "Accept": "image/*"}
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                if not location:
                    raise MediaRefused(_("A redirect without a Location."))
                url = urljoin(url, location)
                continue
            return _read_image(
                response, sock=connection.sock, url=url, max_bytes=max_bytes, deadline=deadline
            )
        except ssl.SSLCertVerificationError:
            raise MediaRefused(_("The server's TLS certificate is not valid.")) from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise MediaTemporary(
                _("The server could not be reached (%(error)s).") % {"error": type(exc).__name__}
            ) from None
        finally:
            connection.close()
    raise MediaRefused(_("Too many redirects."))


def _read_image(
    response: http.client.HTTPResponse,
    *,
    sock: socket.socket | None,
    url: str,
    max_bytes: int,
    deadline: float,
) -> Fetched:
    status = response.status
    if status == 429 or status >= 500:
        raise MediaTemporary(_("The server answered %(status)d.") % {"status": status})
    if status != 200:
        raise MediaRefused(_("The server answered %(status)d.") % {"status": status})
    content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise MediaRefused(
            _("Not a JPEG, PNG, WebP or GIF picture (the server says “%(type)s”).")
            % {"type": content_type[:60] or "-"}
        )
    too_large = MediaRefused(
        _("The picture is larger than %(mb)d MB.") % {"mb": settings.OPEN311_MEDIA_MAX_MB}
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise too_large
    body = io.BytesIO()
    while True:
        # Each read waits at most what is left of the whole download's time, and read1
        # returns what has arrived: a server trickling a byte at a time cannot hold the
        # worker past the deadline.
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MediaTemporary(_("The download took too long."))
        if sock is not None:
            sock.settimeout(remaining)
        chunk = response.read1(CHUNK)
        if not chunk:
            break
        body.write(chunk)
        if body.tell() > max_bytes:
            raise too_large
    return Fetched(content=body.getvalue(), content_type=content_type, url=url)


# The record and the task's work --------------------------------------------------------


def media_url_register(*, message_id: int, url: str) -> Open311Media:
    """Keep a posted request's media_url and hand it to a worker after commit (once)."""
    media, created = Open311Media.objects.get_or_create(
        message_id=message_id, defaults={"url": url}
    )
    if created:
        transaction.on_commit(lambda: media_fetch_enqueue(media.pk))
    return media


def media_fetch_enqueue(media_id: int, *, countdown: int = 0) -> None:
    """Send the fetch to a worker; a dead broker is logged (the beat sweep catches up)."""
    try:
        enqueue("integrations.fetch_open311_media", media_id, countdown=countdown)
    except Exception:
        logger.exception("Could not enqueue Open311 media %s", media_id)


@dataclass(frozen=True)
class FetchOutcome:
    state: str
    retry_in: int | None = None


def media_url_fetch(*, media_id: int) -> FetchOutcome:
    """Fetch, check and attach one media_url; idempotent (a done row is left alone)."""
    media = Open311Media.objects.select_related("message").filter(pk=media_id).first()
    if media is None:
        return FetchOutcome("missing")
    if media.state != Open311Media.State.PENDING:
        return FetchOutcome(media.state)
    if media.message.complaint_id is None:
        return _wait_for_complaint(media)
    Open311Media.objects.filter(pk=media.pk).update(attempts=media.attempts + 1)
    max_bytes = settings.OPEN311_MEDIA_MAX_MB * 1024 * 1024
    try:
        fetched = safe_http_get(
            media.url, max_bytes=max_bytes, timeout=settings.OPEN311_MEDIA_TIMEOUT_SECONDS
        )
        name = urlsplit(fetched.url).path.rsplit("/", 1)[-1][:100] or "media_url"
        image = process_image(io.BytesIO(fetched.content), name=name, max_bytes=max_bytes)
    except MediaTemporary as exc:
        if media.attempts < len(RETRY_DELAYS):
            return FetchOutcome(Open311Media.State.PENDING, retry_in=RETRY_DELAYS[media.attempts])
        return _finish(media, Open311Media.State.FAILED, str(exc))
    except (MediaRefused, ImageRejected) as exc:
        return _finish(media, Open311Media.State.REJECTED, str(exc))
    with transaction.atomic():
        row = Open311Media.objects.select_for_update().get(pk=media.pk)
        if row.state != Open311Media.State.PENDING:  # another worker attached it meanwhile
            return FetchOutcome(row.state)
        complaint = Complaint.objects.get(pk=media.message.complaint_id)
        row.attachment = attachment_add(complaint=complaint, image=image)
        row.state = Open311Media.State.FETCHED
        row.error = ""
        row.finished_at = timezone.now()
        row.save(update_fields=["attachment", "state", "error", "finished_at"])
    return FetchOutcome(Open311Media.State.FETCHED)


def _wait_for_complaint(media: Open311Media) -> FetchOutcome:
    """The request was queued (the complaint is made by a worker): try again later."""
    if media.attempts >= COMPLAINT_WAIT_TRIES:
        return _finish(media, Open311Media.State.FAILED, _("The request never became a complaint."))
    Open311Media.objects.filter(pk=media.pk).update(attempts=media.attempts + 1)
    return FetchOutcome(Open311Media.State.PENDING, retry_in=COMPLAINT_WAIT_SECONDS)


def _finish(media: Open311Media, state: str, reason: str) -> FetchOutcome:
    """Record a refusal or failure once, with an internal note the agency reads."""
    with transaction.atomic():
        done = Open311Media.objects.filter(pk=media.pk, state=Open311Media.State.PENDING).update(
            state=state, error=reason[:300], finished_at=timezone.now()
        )
        complaint = Complaint.objects.filter(pk=media.message.complaint_id).first()
        if done and complaint is not None:
            complaint_add_note(
                complaint=complaint,
                actor=SYSTEM_ACTOR,
                note=_("The photo at the Open311 media_url was not attached: %(reason)s")
                % {"reason": reason},
            )
    logger.info("Open311 media %s %s: %s", media.pk, state, reason)
    return FetchOutcome(state)


def media_sweep(*, older_than_minutes: int = 45) -> int:
    """Beat: re-enqueue rows still pending long after they were made (a lost enqueue).

    Past every retry and the wait for a queued complaint (about 30 minutes), so a row
    whose retry is merely scheduled is not fetched twice at once; if it were, the second
    fetch would find it done and stop.
    """
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        Open311Media.objects.filter(
            state=Open311Media.State.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:200]
    )
    for media_id in ids:
        media_fetch_enqueue(media_id)
    return len(ids)
