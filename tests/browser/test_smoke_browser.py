import pytest

pytestmark = pytest.mark.browser


def test_home_renders_in_chromium(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("a.brand").is_visible()
