"""The pure rules of listing truth: which version is current for a viewer, who sees a working copy,
and the changes between two documents by JSON path."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import document_diff
from app.domain.listing_truth import pick_current, sees_working_copy
from app.domain.visibility import ANONYMOUS, Viewer


@dataclass
class Version:
    version: str
    yanked_at: object | None = None


@dataclass
class Listing:
    workspace_id: str = "ws-1"
    current_version: str | None = "1.0.0"


MEMBER = Viewer(user_id="u", member_of=frozenset({"ws-1"}))


def test_the_current_version_is_the_highest_that_is_not_yanked():
    versions = [Version("1.9.0"), Version("1.10.0"), Version("2.0.0-rc.1"), Version("2.0.0", yanked_at=1)]
    assert pick_current(ANONYMOUS, Listing(), versions).version == "2.0.0-rc.1"
    assert pick_current(ANONYMOUS, Listing(), versions[:2]).version == "1.10.0"  # precedence, not text
    assert pick_current(ANONYMOUS, Listing(), [Version("1.0.0", yanked_at=1)]) is None
    assert pick_current(ANONYMOUS, Listing(), []) is None


def test_only_a_drafts_own_members_see_its_working_copy():
    assert sees_working_copy(MEMBER, Listing(current_version=None), None)
    assert not sees_working_copy(ANONYMOUS, Listing(current_version=None), None)
    assert not sees_working_copy(Viewer(user_id="o", member_of=frozenset({"ws-2"})), Listing(), None)
    assert not sees_working_copy(MEMBER, Listing(), Version("1.0.0"))


def test_changes_are_named_by_json_path():
    before = {"type": "oauth2", "scopes": ["read", "write"], "clientId": "a", "odd key": 1, "n": {"x": 1}}
    after = {"type": "oauth2", "scopes": ["read", "write", "admin"], "clientId": "b", "n": {"y": 2}}
    found = {(c.kind, c.path): (c.before, c.after) for c in document_diff.changes(before, after)}
    assert found == {
        ("added", "$.scopes[2]"): (None, "admin"),
        ("changed", "$.clientId"): ("a", "b"),
        ("removed", '$["odd key"]'): (1, None),
        ("removed", "$.n.x"): (1, None),  # the deepest path, never "n changed"
        ("added", "$.n.y"): (None, 2),
    }


def test_a_first_version_is_all_new_and_types_count():
    [whole] = document_diff.changes(None, {"type": "none"})
    assert (whole.kind, whole.path, whole.after, whole.after_json) == (
        "added",
        "$",
        {"type": "none"},
        '{"type": "none"}',
    )
    assert document_diff.same({"a": 1, "b": [2]}, {"b": [2], "a": 1})
    assert not document_diff.same({"a": 1}, {"a": True})
    [retyped] = document_diff.changes({"a": 1}, {"a": "1"})
    assert (retyped.kind, retyped.path, retyped.before_json, retyped.after_json) == (
        "changed",
        "$.a",
        "1",
        '"1"',
    )
    assert document_diff.changes({"a": [1]}, {"a": [1]}) == []
