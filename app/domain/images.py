"""Uploaded images: what is accepted and what is kept. Pure functions of the uploaded bytes (Pillow).

Decides: an upload is an image only if Pillow decodes it as PNG, JPEG or WebP (the decoded
content decides, never the file name or the declared type); it is refused past a byte cap, past a
pixel cap (read from the header, before any pixel is decoded) and when Pillow calls it a
decompression bomb. What is kept is never the uploaded file: the pixels are decoded, turned upright
by their EXIF orientation, copied into a fresh image (no EXIF, XMP, ICC, text chunks or anything
appended after the image) and encoded again. An icon becomes a PNG of at most ICON_MAX_SIDE a side;
a screenshot keeps its format family, scaled down to SCREENSHOT_MAX_SIDE.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
MIN_SIDE = 16
ICON_MAX_SIDE = 512
SCREENSHOT_MAX_SIDE = 2560
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
_SAVE = {
    "PNG": ("png", "image/png", {"optimize": True}),
    "JPEG": ("jpg", "image/jpeg", {"quality": 85, "optimize": True}),
    "WEBP": ("webp", "image/webp", {"quality": 85, "method": 4}),
}

NOT_AN_IMAGE = "Upload a PNG, JPEG or WebP image (this file is not one, whatever its name says)."
TOO_LARGE = f"The image is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Upload a smaller file."
TOO_MANY_PIXELS = (
    f"The image has too many pixels (at most {MAX_PIXELS:,}, e.g. 4096 × 4096). Upload a smaller one."
)
TOO_SMALL = f"The image is too small: at least {MIN_SIDE} pixels on each side."
BROKEN = "The image could not be read: it is damaged or cut short. Save it again and upload that."


class ImageRejected(ValueError):
    """An upload that is not kept; the message says why, in words for the person who sent it."""


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    extension: str  # png | jpg | webp
    content_type: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def icon(data: bytes) -> EncodedImage:
    """An uploaded icon, kept as a PNG no larger than ICON_MAX_SIDE a side."""
    picture, _ = _decoded(data)
    return _encode(picture, "PNG", ICON_MAX_SIDE)


def screenshot(data: bytes) -> EncodedImage:
    """An uploaded screenshot, kept in its own format family, no larger than SCREENSHOT_MAX_SIDE."""
    picture, kind = _decoded(data)
    return _encode(picture, kind, SCREENSHOT_MAX_SIDE)


def _decoded(data: bytes) -> tuple[Image.Image, str]:
    if not data:
        raise ImageRejected(NOT_AN_IMAGE)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(TOO_LARGE)
    with warnings.catch_warnings():
        # Pillow warns about a possible bomb below its hard limit; here that is a refusal too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            kind = picture.format
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(TOO_MANY_PIXELS)
            if min(width, height) < MIN_SIDE:
                raise ImageRejected(TOO_SMALL)
            picture.seek(0)  # an animated PNG or WebP: its first frame only
            picture.load()
            picture = ImageOps.exif_transpose(picture)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(TOO_MANY_PIXELS) from None
        except UnidentifiedImageError:
            raise ImageRejected(NOT_AN_IMAGE) from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            if isinstance(error, ImageRejected):
                raise
            raise ImageRejected(BROKEN) from None
    return picture, kind


def _encode(picture: Image.Image, kind: str, max_side: int) -> EncodedImage:
    extension, content_type, options = _SAVE[kind]
    mode = _mode_for(picture, kind)
    converted = picture.convert(mode)
    # A fresh image holding the pixels and nothing else: no EXIF, ICC profile, text or trailing bytes.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format=kind, **options)
    return EncodedImage(out.getvalue(), extension, content_type, clean.width, clean.height)


def _mode_for(picture: Image.Image, kind: str) -> str:
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if kind == "JPEG":
        return "L" if picture.mode in ("L", "1") else "RGB"
    return "RGBA" if has_alpha else "RGB"
