"""Test pictures made on the spot: a photo-like JPEG and a PNG header that lies about its size."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image


@cache
def photo_jpeg(width: int, height: int) -> bytes:
    """A JPEG that compresses like a photo: smooth gradients under sensor-like noise.

    A flat colour would encode in no time and flatter the numbers; pure noise would be
    far larger than any phone picture. This lands near a phone's bytes per pixel.
    """
    noise = Image.effect_noise((width, height), 24)
    gradient = Image.linear_gradient("L").resize((width, height))
    red = Image.blend(gradient, noise, 0.3)
    green = Image.blend(gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM), noise, 0.3)
    blue = Image.blend(
        gradient.transpose(Image.Transpose.ROTATE_90).resize((width, height)), noise, 0.3
    )
    out = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def bomb_png(width: int, height: int) -> bytes:
    """A small, valid PNG of width×height black 1-bit pixels: a decompression bomb.

    Zeros compress about 1000:1, so 20000×20000 (50 MB once decoded) ships in about 50 KB.
    Anything that decoded before reading the header would pay for all of it.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )
