"""What the three structured editors share: reading posted rows, the JSON carried in hidden
fields (keys a form does not show travel through it untouched), list operations for the
no-JavaScript "Add" / "Remove" / "Move up" buttons, and JSONPath parsing for placing errors."""

from __future__ import annotations

import json
import re
from typing import Any

from ....domain.documents.parsing import nesting_problem
from ....domain.strict_json import loads as strict_loads

MAX_ROWS = 200  # rows read from one posted list, whatever a tampered count says


class Carried(ValueError):
    """A hidden field carrying JSON came back damaged (a tampered form)."""


def typed_json(text: str) -> Any:
    """JSON typed into one input (a default, a bound): ValueError for anything else, nested too
    deep included (checked before the parser recurses)."""
    if nesting_problem(text):
        raise ValueError("nested too deeply")
    try:
        return strict_loads(text)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


def carried(form, name: str) -> dict:
    """The JSON object a hidden field carries ({} when absent)."""
    text = form.get(name) or ""
    if not text.strip():
        return {}
    try:
        value = typed_json(text)
    except ValueError as error:
        raise Carried(name) from error
    if not isinstance(value, dict):
        raise Carried(name)
    return value


def carry(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""


def row_count(form, name: str) -> int:
    try:
        return max(0, min(int(form.get(name) or 0), MAX_ROWS))
    except ValueError:
        return 0


def text(form, name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n")


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.split("\n") if line.strip()]


def is_text(value: Any, *, multiline: bool = False) -> bool:
    """A value a text input shows exactly (and blank means absent, so "" is not one)."""
    return isinstance(value, str) and value != "" and (multiline or "\n" not in value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text_list(value: Any) -> bool:
    return isinstance(value, list) and all(is_text(v) and v == v.strip() for v in value)


def parse_number(value: str, *, integer: bool) -> int | float:
    """A number typed in a bound or default field (ValueError when it is none)."""
    number = typed_json(value.strip())
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ValueError(value)
    if integer and not (isinstance(number, int) or number.is_integer()):
        raise ValueError(value)
    return int(number) if integer else number


def move(rows: list, op: str, index: int) -> int | None:
    """Apply a row operation in place; the index of the row to focus afterwards (None: none)."""
    if op == "add":
        return len(rows) - 1
    if not 0 <= index < len(rows):
        return None
    if op == "remove":
        del rows[index]
        return min(index, len(rows) - 1) if rows else None
    if op == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
        return index - 1
    if op == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
        return index + 1
    return index


_OP = re.compile(r"^(?P<list>[a-z]+(?:-[A-Za-z0-9_]+)*?)-(?P<op>add|remove|up|down)(?:-(?P<index>\d{1,4}))?$")


def parse_op(value: str | None) -> tuple[str, str, int] | None:
    """ "var-remove-3" -> ("var", "remove", 3); "auth-oauth2-scopes-add" -> ("auth-oauth2-scopes", "add", -1)."""
    match = _OP.match(value or "")
    if not match:
        return None
    return match["list"], match["op"], int(match["index"]) if match["index"] else -1


_PATH_PART = re.compile(r'\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def path_parts(path: str) -> tuple:
    """'$.members[0]["a b"]' -> ("members", 0, "a b"), as parsing.json_path wrote it."""
    parts, i = [], 1 if path.startswith("$") else 0
    while i < len(path):
        match = _PATH_PART.match(path, i)
        if not match:
            break
        name, index, quoted = match.groups()
        parts.append(name if name is not None else int(index) if index is not None else json.loads(quoted))
        i = match.end()
    return tuple(parts)
