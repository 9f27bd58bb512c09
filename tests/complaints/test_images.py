"""Upload validation: real images only, no bombs, no EXIF location, a thumbnail made."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from complaints.images import ImageRejected, process_image
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.usefixtures("english")


def test_it_strips_exif_gps_and_camera_data():
    raw = make_image_bytes(exif_gps=True)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the fixture has GPS

    result = process_image(io.BytesIO(raw), name="jalan.jpg")

    stored = Image.open(io.BytesIO(result.content))
    assert stored.getexif().get_ifd(0x8825) == {}
    assert 0x010F not in stored.getexif()
    assert b"SigapTestCam" not in result.content
    assert result.content_type == "image/jpeg"
    assert len(result.sha256) == 64


def test_it_makes_a_thumbnail():
    result = process_image(io.BytesIO(make_image_bytes(size=(1600, 1200))), name="besar.jpg")
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert max(thumb.size) == 400
    assert (result.width, result.height) == (1600, 1200)


def test_it_applies_the_exif_orientation_before_stripping_it():
    image = Image.new("RGB", (80, 40), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    result = process_image(io.BytesIO(out.getvalue()), name="hp.jpg")
    assert (result.width, result.height) == (40, 80)


def test_it_refuses_a_file_that_is_not_an_image():
    with pytest.raises(ImageRejected, match="not a picture"):
        process_image(io.BytesIO(b"<html>not a photo</html>"), name="foto.jpg")


def test_it_refuses_a_truncated_image():
    raw = make_image_bytes(size=(400, 300))
    with pytest.raises(ImageRejected, match="damaged"):
        process_image(io.BytesIO(raw[: len(raw) // 2]), name="putus.jpg")


def test_it_refuses_too_many_pixels_before_decoding():
    # A small PNG that claims a huge canvas: refused from the header alone.
    raw = io.BytesIO()
    Image.new("1", (12000, 12000)).save(raw, format="PNG")
    assert len(raw.getvalue()) < 100_000
    with pytest.raises(ImageRejected, match="too many pixels"):
        process_image(io.BytesIO(raw.getvalue()), name="bom.png", max_pixels=40_000_000)


def test_it_refuses_a_file_over_the_size_limit():
    raw = make_image_bytes(size=(300, 300))
    with pytest.raises(ImageRejected, match="too large"):
        process_image(io.BytesIO(raw), name="foto.jpg", max_bytes=100)


def test_it_refuses_formats_it_does_not_accept():
    raw = io.BytesIO()
    Image.new("RGB", (10, 10)).save(raw, format="TIFF")
    with pytest.raises(ImageRejected, match="not a JPEG"):
        process_image(io.BytesIO(raw.getvalue()), name="scan.tiff")


def test_png_with_transparency_stays_png():
    raw = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(raw, format="PNG")
    result = process_image(io.BytesIO(raw.getvalue()), name="peta.png")
    assert result.content_type == "image/png"
    assert Image.open(io.BytesIO(result.content)).mode == "RGBA"


def test_our_pixel_limit_applies_below_pillows_own():
    raw = io.BytesIO()
    Image.new("1", (5000, 5000)).save(raw, format="PNG")
    with pytest.raises(ImageRejected, match=r"5000×5000"):
        process_image(io.BytesIO(raw.getvalue()), name="lebar.png", max_pixels=20_000_000)
