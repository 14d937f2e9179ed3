"""The difference between two JSON documents, by JSON path: what a reviewer reads before deciding."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAX_CHANGES = 500
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # added | removed | changed
    before: object = None
    after: object = None

    @property
    def before_text(self) -> str:
        return json.dumps(self.before, ensure_ascii=False)

    @property
    def after_text(self) -> str:
        return json.dumps(self.after, ensure_ascii=False)


def _child(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def diff_documents(before, after, path: str = "$") -> list[Change]:
    """Every leaf that differs, in document order; objects by key, arrays by index."""
    changes: list[Change] = []
    _walk(before, after, path, changes)
    return changes[:MAX_CHANGES]


def _walk(before, after, path: str, out: list[Change]) -> None:
    if len(out) >= MAX_CHANGES:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            _pair(before, after, key, path, out)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            _pair(dict(enumerate(before)), dict(enumerate(after)), index, path, out)
    elif before != after or type(before) is not type(after):
        out.append(Change(path, "changed", before, after))


def _pair(before: dict, after: dict, key, path: str, out: list[Change]) -> None:
    child = _child(path, key)
    if key not in after:
        out.append(Change(child, "removed", before[key], None))
    elif key not in before:
        out.append(Change(child, "added", None, after[key]))
    else:
        _walk(before[key], after[key], child, out)
