"""Hostile files through the public entries that take photos (the web form and the
partner API): refused with a reason, or stored re-encoded without what was hidden in them."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from channels_intake import desk
from complaints.models import Attachment, Complaint
from tests.complaints.test_web_form import form_data
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)
SCRIPT = b"<script>alert(document.cookie)</script>"


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A few hundred bytes of PNG that claims 3.6 billion pixels."""
    small = make_image_bytes("PNG", size=(1, 1))
    ihdr_at = small.index(b"IHDR")
    fields = struct.pack(">II", width, height) + small[ihdr_at + 12 : ihdr_at + 17]
    chunk = b"IHDR" + fields
    patched = struct.pack(">I", len(fields)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return small[: ihdr_at - 4] + patched + small[ihdr_at + 4 + len(fields) + 4 :]


HOSTILE = {
    "svg-with-script": ("foto.svg", "image/svg+xml", SVG),
    "html-named-jpg": ("foto.jpg", "image/jpeg", b"<html><body>" + SCRIPT + b"</body></html>"),
    "decompression-bomb": ("foto.png", "image/png", png_bomb()),
    "truncated-jpeg": ("foto.jpg", "image/jpeg", make_image_bytes()[:200]),
    "empty": ("foto.jpg", "image/jpeg", b""),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_web_form_refuses_files_that_are_not_safe_images(client, world, name):
    filename, content_type, content = HOSTILE[name]
    upload = SimpleUploadedFile(filename, content, content_type=content_type)
    response = client.post(reverse("complaints:new"), {**form_data(world), "photos": [upload]})
    assert response.status_code == 200  # redisplayed with the reason
    assert 'class="error' in response.content.decode()
    assert not Complaint.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_partner_api_refuses_files_that_are_not_safe_images(client, world, name):
    _row, key = desk.partner_key_create(name="Mitra")
    body = {
        "external_id": f"X-{name}",
        "text": "Jalan berlubang besar di Jl. Dago depan SDN 3.",
        "photos": [base64.b64encode(HOSTILE[name][2]).decode()],
    }
    response = client.post(
        "/api/v1/partner/complaints/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    assert response.status_code == 400, response.content[:300]
    assert "photos" in response.json()
    assert not Complaint.objects.exists()


def test_a_polyglot_jpeg_is_stored_re_encoded_without_its_payload_or_gps(client, world):
    polyglot = make_image_bytes(exif_gps=True) + SCRIPT + b"PK\x03\x04zipped"
    upload = SimpleUploadedFile("foto.jpg", polyglot, content_type="image/jpeg")
    response = client.post(reverse("complaints:new"), {**form_data(world), "photos": [upload]})
    assert response.status_code == 302
    (attachment,) = Attachment.objects.all()
    stored = attachment.file.read()
    assert SCRIPT not in stored
    assert b"PK\x03\x04" not in stored
    attachment.file.seek(0)
    with Image.open(attachment.file) as image:
        assert not image.getexif().get_ifd(0x8825)  # no GPS left
