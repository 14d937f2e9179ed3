"""The changes between two versions of a JSON document, by JSON path (`$.scopes[2]`).

The publish page shows them per document (the working copy against the current version), so a
publisher sees exactly what publishing will change before they do it. DeepDiff finds the changes;
this module names them: `added`, `removed` or `changed`, each with its path and the values before
and after. Lists are compared position by position (a list's order can matter: members, fields).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from deepdiff import DeepDiff

from .documents import json_path

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_KINDS = {
    "dictionary_item_added": ADDED,
    "iterable_item_added": ADDED,
    "dictionary_item_removed": REMOVED,
    "iterable_item_removed": REMOVED,
    "values_changed": CHANGED,
    "type_changes": CHANGED,
}
MAX_CHANGES = 500  # shown per document; a rewritten document says so rather than listing thousands


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED | REMOVED | CHANGED
    path: (
        str  # JSON path as every document problem names it: $ for the whole document, $.a.b[0], $["odd key"]
    )
    before: object = None  # the value before (None when added)
    after: object = None  # the value after (None when removed)

    @property
    def before_json(self) -> str:
        return _json(self.before)

    @property
    def after_json(self) -> str:
        return _json(self.after)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def same(before, after) -> bool:
    """Equal as JSON documents (object key order does not count; 1 and true differ)."""
    return not DeepDiff(before, after)


def changes(before: dict | None, after: dict) -> list[Change]:
    """What changed from `before` to `after`, ordered by path. `before` None: a first version, so the
    whole document is new."""
    if before is None:
        return [Change(ADDED, "$", None, after)]
    found = DeepDiff(
        before,
        after,
        view="tree",
        threshold_to_diff_deeper=0,  # always name the deepest path, never "the whole object changed"
        verbose_level=2,
    )
    result = []
    for report, items in found.items():
        kind = _KINDS.get(report)
        if kind is None:
            continue
        for item in items:
            result.append(
                Change(
                    kind,
                    json_path(item.path(output_format="list")),
                    None if kind == ADDED else item.t1,
                    None if kind == REMOVED else item.t2,
                )
            )
    result.sort(key=lambda c: c.path)
    return result[:MAX_CHANGES]
