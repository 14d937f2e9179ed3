"""Which requests take SQLite's write lock up front (BEGIN IMMEDIATE)."""

import pytest

from app.database import _write_intent_needed


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/integrations", False),  # a plain read
        ("POST", "/workspaces/new", True),  # a write
        ("POST", "/login", False),  # a POST marked reads_only
        ("GET", "/install/callback", True),  # a GET marked writes: spends the OAuth state
    ],
)
def test_write_intent_follows_method_and_view_marks(app, method, path, expected):
    with app.test_request_context(path, method=method):
        assert _write_intent_needed() is expected
