"""Open311 `media_url`: a worker fetches it through the SSRF guard, checks it with Pillow,
strips EXIF through complaints.images and attaches it; anything else is recorded, the
request itself never fails for its photo.

A real HTTP server on 127.0.0.1 plays the client's media host: a JPEG with GPS EXIF, a
redirect, an HTML page, a fake JPEG, an oversized picture, 404 and 503 answers.
"""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase
from PIL import Image

from channels_intake import desk
from complaints.models import Complaint, ComplaintEvent
from complaints.services import complaint_create
from integrations.models import Open311Media
from integrations.open311.media import MediaRefused, MediaTemporary, safe_http_get
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests.json"
GPS_JPEG = make_image_bytes(size=(320, 240), exif_gps=True)


class MediaHost(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):  # quiet test output
        pass

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # http.server calls it by this name
        MediaHost.hits.append(self.path)
        if self.path == "/lubang.jpg":
            self._send(200, GPS_JPEG, "image/jpeg")
        elif self.path == "/pindah":
            self._send(302, b"", "text/plain", Location="/lubang.jpg")
        elif self.path == "/ke-metadata":
            self._send(302, b"", "text/plain", Location="http://169.254.169.254/latest/")
        elif self.path == "/halaman.html":
            self._send(200, b"<html>bukan foto</html>", "text/html; charset=utf-8")
        elif self.path == "/palsu.jpg":
            self._send(200, b"\xff\xd8\xff not really a jpeg", "image/jpeg")
        elif self.path == "/besar.jpg":
            self._send(200, b"\xff" * (2 * 1024 * 1024 + 10), "image/jpeg")
        elif self.path == "/besar-tanpa-panjang.jpg":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()  # no Content-Length: the reader must stop at the cap itself
            for _ in range(40):
                self.wfile.write(b"\xff" * 65536)
        elif self.path == "/pelan.jpg":
            # A byte every 0.2 s for 20 s: a server holding the worker on purpose.
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"\xff")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass  # the client gave up, as it should
        elif self.path == "/sibuk.jpg":
            self._send(503, b"busy", "text/plain")
        else:
            self._send(404, b"not here", "text/plain")


@pytest.fixture
def media_host(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), MediaHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.OPEN311_MEDIA_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OPEN311_MEDIA_MAX_MB = 2
    MediaHost.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def partner_key(world):
    _, key = desk.partner_key_create(name="FixMyStreet Bandung")
    return key


def post(client, key: str, media_url: str):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"{URL}?api_key={key}",
            {
                "service_code": "jalan-rusak",
                "address_id": "32.73.02.1004",
                "description": "Lubang besar di depan SDN 3 Dago",
                "media_url": media_url,
            },
        )
    assert response.status_code == 201, response.content
    return Complaint.objects.get(tracking_code=response.json()[0]["service_request_id"])


def internal_notes(complaint: Complaint) -> list[str]:
    return list(
        ComplaintEvent.objects.filter(
            complaint=complaint, kind=ComplaintEvent.Kind.NOTE, is_public=False
        ).values_list("note", flat=True)
    )


def test_it_fetches_the_photo_strips_its_gps_and_attaches_it(client, media_host, partner_key):
    complaint = post(client, partner_key, f"{media_host}/lubang.jpg")

    media = Open311Media.objects.get()
    assert media.state == Open311Media.State.FETCHED, media.error
    attachment = complaint.attachments.get()
    assert media.attachment == attachment
    stored = Image.open(attachment.file.open("rb"))
    assert stored.size == (320, 240)
    assert stored.getexif().get_ifd(0x8825) == {}  # no GPS
    assert "SigapTestCam" not in str(dict(stored.getexif()))  # no camera data
    assert MediaHost.hits == ["/lubang.jpg"]
    # The public request shows the photo like an uploaded one.
    row = client.get(f"/open311/v2/requests/{complaint.tracking_code}.json").json()[0]
    assert row["media_url"]


def test_running_the_task_again_attaches_nothing_more(client, media_host, partner_key):
    from integrations.tasks import fetch_open311_media

    complaint = post(client, partner_key, f"{media_host}/pindah")  # through a redirect
    media = Open311Media.objects.get()

    assert fetch_open311_media(media.pk) == Open311Media.State.FETCHED
    assert complaint.attachments.count() == 1
    assert MediaHost.hits == ["/pindah", "/lubang.jpg"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/halaman.html", "text/html"),
        ("/palsu.jpg", ""),
        ("/besar.jpg", "2 MB"),
        ("/besar-tanpa-panjang.jpg", "2 MB"),
        ("/tidak-ada.jpg", "404"),
        ("/ke-metadata", ""),
    ],
)
def test_it_records_a_refused_file_and_keeps_the_request(
    client, media_host, partner_key, path, reason, english
):
    complaint = post(client, partner_key, f"{media_host}{path}")

    media = Open311Media.objects.get()
    assert media.state == Open311Media.State.REJECTED
    assert reason in media.error and media.error
    assert complaint.attachments.count() == 0
    assert any("media_url" in note and media.error in note for note in internal_notes(complaint))


def test_a_server_error_is_retried_then_recorded_as_failed(client, media_host, partner_key):
    complaint = post(client, partner_key, f"{media_host}/sibuk.jpg")

    media = Open311Media.objects.get()
    assert media.state == Open311Media.State.FAILED
    assert "503" in media.error
    assert MediaHost.hits == ["/sibuk.jpg"] * 4  # the first try and three retries
    assert complaint.attachments.count() == 0
    assert len(internal_notes(complaint)) == 1


def test_without_the_setting_a_loopback_host_is_refused(client, media_host, settings, partner_key):
    settings.OPEN311_MEDIA_ALLOWED_HOSTS = []

    post(client, partner_key, f"{media_host}/lubang.jpg")

    media = Open311Media.objects.get()
    assert media.state == Open311Media.State.REJECTED
    assert MediaHost.hits == []  # refused before connecting


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://localhost/x.jpg",
        "http://10.1.2.3/x.jpg",
        "http://192.168.1.1/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.jpg",
        "http://[::ffff:10.0.0.1]/x.jpg",
        "http://100.64.0.1/x.jpg",
        "http://0.0.0.0/x.jpg",
        "http://8.8.8.8:22/x.jpg",
    ],
)
def test_the_guard_refuses_private_loopback_and_link_local_addresses(settings, url):
    settings.OPEN311_MEDIA_ALLOWED_HOSTS = []
    with pytest.raises(MediaRefused):
        safe_http_get(url, max_bytes=1024, timeout=2)


@pytest.mark.parametrize(
    "media_url",
    ["ftp://example.org/x.jpg", "file:///etc/passwd", "http://user:pw@example.org/x.jpg", "x"],
)
def test_a_media_url_that_can_never_be_fetched_is_a_400(client, world, partner_key, media_url):
    response = client.post(
        f"{URL}?api_key={partner_key}",
        {
            "service_code": "jalan-rusak",
            "address_id": "32.73.02.1004",
            "description": "Lubang",
            "media_url": media_url,
        },
    )
    assert response.status_code == 400
    assert "media_url" in response.json()[0]["description"]
    assert Complaint.objects.count() == 0


def test_the_processed_picture_is_a_real_image(media_host):
    fetched = safe_http_get(f"{media_host}/lubang.jpg", max_bytes=10**6, timeout=5)
    assert fetched.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(fetched.content)).format == "JPEG"


def test_it_waits_for_a_queued_request_to_become_a_complaint(media_host, world):
    """A request answered with a token has no complaint yet: the fetch waits for it."""
    from channels_intake.models import InboundMessage
    from integrations.open311.media import media_url_fetch, media_url_register

    message = InboundMessage.objects.create(
        channel="api", provider_message_id="1:open311-abc", body=b"{}", state="failed"
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        media = media_url_register(message_id=message.pk, url=f"{media_host}/lubang.jpg")

    waiting = media_url_fetch(media_id=media.pk)
    assert waiting.state == Open311Media.State.PENDING and waiting.retry_in
    assert MediaHost.hits == []

    complaint = complaint_create(channel="api", text="Lubang besar")
    InboundMessage.objects.filter(pk=message.pk).update(complaint=complaint, state="processed")
    assert media_url_fetch(media_id=media.pk).state == Open311Media.State.FETCHED
    assert complaint.attachments.count() == 1
    assert media_url_fetch(media_id=media.pk).state == Open311Media.State.FETCHED  # once
    assert complaint.attachments.count() == 1


def test_a_server_trickling_bytes_cannot_hold_the_worker_past_the_time_limit(media_host, english):
    with pytest.raises(MediaTemporary, match="too long"):
        safe_http_get(f"{media_host}/pelan.jpg", max_bytes=10**6, timeout=1)
