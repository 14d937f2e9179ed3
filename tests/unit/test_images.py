"""The image rules (app/domain/images.py) on files made with Pillow: orientation applied, alpha
kept, animation reduced to its first frame, sizes bounded, everything else refused with a reason."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.domain import images
from tests import media_helpers as img


def _open(encoded: images.EncodedImage) -> Image.Image:
    return Image.open(io.BytesIO(encoded.data))


def test_exif_orientation_is_applied_then_dropped():
    picture = Image.new("RGB", (200, 100), (10, 20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    kept = images.screenshot(out.getvalue())
    assert (kept.width, kept.height) == (100, 200)
    assert not _open(kept).getexif()


def test_icon_keeps_alpha_and_is_bounded():
    kept = images.icon(img.png((1024, 1024), (0, 0, 0, 0), mode="RGBA"))
    assert kept.extension == "png" and (kept.width, kept.height) == (512, 512)
    assert _open(kept).mode == "RGBA"


def test_icon_from_jpeg_becomes_png():
    kept = images.icon(img.jpeg_with_exif((64, 64)))
    assert kept.extension == "png" and kept.content_type == "image/png" and _open(kept).format == "PNG"


def test_animated_webp_keeps_its_first_frame():
    frames = [Image.new("RGB", (60, 40), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    kept = images.screenshot(out.getvalue())
    picture = _open(kept)
    assert getattr(picture, "n_frames", 1) == 1
    assert picture.convert("RGB").getpixel((30, 20))[0] > 200


def test_same_pixels_same_hash():
    assert images.icon(img.png()).sha256 == images.icon(img.png()).sha256


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", images.NOT_AN_IMAGE),
        (img.gif_html_polyglot(), images.NOT_AN_IMAGE),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (images.MAX_UPLOAD_BYTES + 1), images.TOO_LARGE),
        (img.png_bomb(5000), images.TOO_MANY_PIXELS),
        (img.png_bomb(20000), images.TOO_MANY_PIXELS),
        (img.png((8, 200)), images.TOO_SMALL),
    ],
)
def test_refusals_say_why(data, message):
    with pytest.raises(images.ImageRejected) as refused:
        images.screenshot(data)
    assert str(refused.value) == message
