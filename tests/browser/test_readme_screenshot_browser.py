"""`make screenshot` keeps working: it photographs the demo's home page at the README's size."""

from __future__ import annotations

import struct

import pytest

from tests import readme_screenshot

pytestmark = pytest.mark.browser


def test_the_readme_screenshot_can_be_renewed(tmp_path, browser):
    shot = readme_screenshot.take(tmp_path / "screenshot.png", browser=browser)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == readme_screenshot.SIZE  # IHDR: width, height
    # The README shows a file of that very size.
    committed = readme_screenshot.README_SCREENSHOT.read_bytes()
    assert struct.unpack(">II", committed[16:24]) == readme_screenshot.SIZE
