"""safe_next: only ever a relative path on this site."""

import pytest

from app.web.urls import safe_next


@pytest.mark.parametrize("target", ["/", "/workspaces", "/integrations?q=slack&tier=community", "/a/b#part"])
def test_relative_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "data:text/html,hi",
        "evil.example/path",
        "/\t/evil.example",
        "/\n/evil.example",
        "/" + "a" * 2001,
    ],
)
def test_anything_else_is_refused(target):
    assert safe_next(target) is None
