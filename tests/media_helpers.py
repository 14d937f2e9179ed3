"""Images for the media tests: real files made with Pillow, and hostile ones made by hand."""

from __future__ import annotations

import io
import re
import zipfile

from PIL import Image


def png(size=(64, 64), colour=(200, 40, 40), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode != "1" else 0).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif(size=(320, 200)) -> bytes:
    """A JPEG carrying EXIF: a camera model, GPS coordinates and a comment."""
    picture = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # Model
    exif[0x010E] = "home address inside"  # ImageDescription
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def webp(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 90)).save(out, format="WEBP")
    return out.getvalue()


def png_bomb(side=20000) -> bytes:
    """A PNG of `side` × `side` one-bit pixels: tiny on disk, hundreds of megapixels decoded."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, format="PNG", optimize=True)
    return out.getvalue()


HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png_polyglot() -> bytes:
    """A valid PNG with an HTML page and a ZIP archive appended after its IEND chunk."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", HTML_PAYLOAD)
    return png((80, 80)) + HTML_PAYLOAD + archive.getvalue()


def gif_html_polyglot() -> bytes:
    """A GIF header followed by HTML: a browser sniffing it might render the script."""
    return b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;" + HTML_PAYLOAD


def media_paths(html: str) -> list[str]:
    return re.findall(r"(/media/[0-9a-f]{64}\.(?:png|jpg|webp))", html)
