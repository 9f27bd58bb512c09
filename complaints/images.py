"""Image intake: prove a file is a real image, refuse bombs, strip metadata, make a thumbnail.

Every photo (web form, API, staff evidence, and later the channels) passes through
`process_image`. The picture is re-encoded from its pixels, so EXIF (GPS position,
camera serial), XMP and comments never reach storage; the EXIF orientation is applied
first so the picture still stands the right way up.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png", "MPO": "jpg"}
THUMBNAIL_SIZE = (400, 400)


class ImageRejected(ValueError):
    """The file is not acceptable; the message tells the citizen why, in their language."""


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    thumbnail: bytes
    extension: str
    content_type: str
    width: int
    height: int
    sha256: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.content)


def process_image(
    stream: IO[bytes],
    *,
    name: str = "",
    size: int | None = None,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> ProcessedImage:
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    max_pixels = max_pixels or settings.UPLOAD_MAX_PIXELS
    label = name or _("The photo")
    if size is None:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
    stream.seek(0)
    if size > max_bytes:
        raise ImageRejected(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": label, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            # The header alone tells the size: refuse a bomb before decoding any pixel.
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected(
                    _("%(name)s has too many pixels (%(w)s×%(h)s); the limit is %(mp)s megapixels.")
                    % {"name": label, "w": width, "h": height, "mp": max_pixels // 1_000_000}
                )
            fmt = image.format
            if fmt not in ACCEPTED_FORMATS:
                raise ImageRejected(
                    _("%(name)s is not a JPEG, PNG, WebP or GIF picture.") % {"name": label}
                )
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires on open() for canvases far beyond any photo.
        raise ImageRejected(
            _("%(name)s has too many pixels; the limit is %(mp)s megapixels.")
            % {"name": label, "mp": max_pixels // 1_000_000}
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(_("%(name)s is not a picture we can read.") % {"name": label}) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected(
            _("%(name)s is damaged or incomplete; please choose it again.") % {"name": label}
        ) from None

    image = ImageOps.exif_transpose(image)
    extension = ACCEPTED_FORMATS[fmt]
    content = _encode(image, extension)
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumbnail = _encode(thumb, "jpg")
    return ProcessedImage(
        content=content,
        thumbnail=thumbnail,
        extension=extension,
        content_type={"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[extension],
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=name[-255:],
    )


def _encode(image: Image.Image, extension: str) -> bytes:
    """Re-encode from pixels only: no exif=, no icc metadata beyond colour, no comments."""
    out = io.BytesIO()
    if extension == "jpg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
    elif extension == "png":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="WEBP", quality=85)
    return out.getvalue()
