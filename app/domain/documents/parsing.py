"""Reading the text a publisher typed into one JSON document: whether it is a JSON object small
and shallow enough to check, the line each value sits on, and JSONPath-style paths for errors.

Size and nesting depth are checked by a flat scan BEFORE the JSON parser recurses, so a
100 000-level document is refused as fast as a 33-level one; RecursionError is caught anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from .. import strict_json

MAX_DOCUMENT_BYTES = 256 * 1024
MAX_DEPTH = 32

MANIFEST, VARIABLES, AUTH = "manifest", "variablesSchema", "authConfig"
DOCUMENTS = (MANIFEST, VARIABLES, AUTH)

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


@dataclass(frozen=True)
class DocumentError:
    document: str  # manifest | variablesSchema | authConfig
    path: str  # JSONPath-style: $.members[0].kind
    message: str
    line: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.path}: {self.message}"


class DocumentsInvalid(ValueError):
    def __init__(self, errors: list[DocumentError]):
        super().__init__(f"{len(errors)} problem(s) in the JSON documents")
        self.errors = errors


def json_path(parts: Iterable[Any]) -> str:
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(str(part)):
            text += f".{part}"
        else:
            text += "[" + json.dumps(str(part)) + "]"
    return text


def walk(value: Any, path: tuple = ()) -> Iterator[tuple[Any, tuple]]:
    """Every value inside `value` (itself included) with its path, without recursion."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        yield item, where
        if isinstance(item, dict):
            stack.extend((v, where + (k,)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, where + (i,)) for i, v in enumerate(item))


# --- flat scans of the text ----------------------------------------------------------------------


def skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at text[i] == '"' (len(text) if unclosed).
    A quote ends the string unless an odd run of backslashes escapes it; str.find keeps a
    100 000-character string as quick to skip as a short one."""
    j = i + 1
    while True:
        j = text.find('"', j)
        if j == -1:
            return len(text)
        k = j - 1
        while k > i and text[k] == "\\":
            k -= 1
        if (j - 1 - k) % 2 == 0:
            return j + 1
        j += 1


def nesting_problem(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """(depth, line) where the text first nests deeper than `limit`, or None. A flat scan:
    it never recurses, so a 100 000-level document is refused as fast as a 33-level one."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = skip_string(text, i)
            continue
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > limit:
                return depth, line
        elif c in "]}":
            depth -= 1
        i += 1
    return None


def value_depth(value: Any) -> int:
    """Nesting depth of an already-parsed value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


class _LineMapper:
    """One pass over valid JSON text, noting the line each value (or its key) starts on."""

    def __init__(self, text: str):
        self.text, self.i, self.line = text, 0, 1
        self.frames: list[list] = []  # [kind, key_or_index, expecting_key]
        self.lines: dict[tuple, int] = {}

    def run(self) -> dict[tuple, int]:
        while self.i < len(self.text):
            self._step(self.text[self.i])
        return self.lines

    def _step(self, c: str) -> None:
        if c == '"':
            self._string()
        elif c in "{[":
            self._mark()
            self.frames.append(["obj", None, True] if c == "{" else ["arr", 0, False])
            self.i += 1
        elif c in "}]":
            self.frames.pop()
            self.i += 1
        elif c == ",":
            self._comma()
        elif c in " \t\r\n:":
            self.line += c == "\n"
            self.i += 1
        else:  # a number, true, false or null
            self._mark()
            while self.i < len(self.text) and self.text[self.i] not in ",]}\n \t\r":
                self.i += 1

    def _mark(self) -> None:
        self.lines.setdefault(tuple(f[1] for f in self.frames), self.line)

    def _string(self) -> None:
        end = skip_string(self.text, self.i)
        frame = self.frames[-1] if self.frames else None
        if frame and frame[0] == "obj" and frame[2]:  # a key: the path moves to it
            frame[1], frame[2] = json.loads(self.text[self.i : end]), False
        self._mark()
        self.i = end

    def _comma(self) -> None:
        frame = self.frames[-1] if self.frames else None
        if frame and frame[0] == "arr":
            frame[1] += 1
        elif frame:
            frame[2] = True
        self.i += 1


def line_map(text: str) -> dict[tuple, int]:
    """The line each value starts on, by path, for text that is known to be valid JSON."""
    return _LineMapper(text).run()


# --- parsed documents ----------------------------------------------------------------------------


@dataclass
class ParsedDocument:
    name: str
    value: dict | None
    lines: dict[tuple, int]

    def line_of(self, parts: Iterable[Any]) -> int | None:
        parts = tuple(parts)
        while True:
            if parts in self.lines:
                return self.lines[parts]
            if not parts:
                return None
            parts = parts[:-1]

    def error(self, parts: Iterable[Any], message: str) -> DocumentError:
        parts = tuple(parts)
        return DocumentError(self.name, json_path(parts), message, self.line_of(parts))


def _too_large(name: str) -> DocumentError:
    return DocumentError(name, "$", f"The document is larger than {MAX_DOCUMENT_BYTES // 1024} KiB.")


def _too_deep(name: str, line: int | None = None) -> DocumentError:
    return DocumentError(name, "$", f"The document nests deeper than {MAX_DEPTH} levels.", line)


def _not_an_object(name: str, line: int | None = None) -> DocumentError:
    return DocumentError(name, "$", "The document must be a JSON object ({...}).", line)


def parse_document(name: str, text: str | None) -> tuple[ParsedDocument, list[DocumentError]]:
    """Parse what a publisher typed. Size and depth are checked before json parses anything."""
    text = text if text is not None else ""
    empty = ParsedDocument(name, None, {})
    if not text.strip():
        return empty, [DocumentError(name, "$", "Enter a JSON object, e.g. {}.", 1)]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        return empty, [_too_large(name)]
    problem = nesting_problem(text)
    if problem:
        return empty, [_too_deep(name, problem[1])]
    try:
        value = strict_json.loads(text)
    except json.JSONDecodeError as error:
        return empty, [
            DocumentError(name, "$", f"Not valid JSON: {error.msg} (column {error.colno}).", error.lineno)
        ]
    except RecursionError:
        return empty, [_too_deep(name)]
    if not isinstance(value, dict):
        return empty, [_not_an_object(name, 1)]
    parsed = ParsedDocument(name, value, line_map(text))
    # NaN/Infinity, numbers too large, NUL and lone surrogates: refused by path (app/domain/strict_json.py)
    refused = [parsed.error(parts, message) for parts, message in strict_json.problems(value)]
    return (empty, refused) if refused else (parsed, [])


def from_value(name: str, value: Any) -> tuple[ParsedDocument, list[DocumentError]]:
    """An already-parsed document (the JSON API): the same caps, paths without lines."""
    empty = ParsedDocument(name, None, {})
    if not isinstance(value, dict):
        return empty, [_not_an_object(name)]
    if value_depth(value) > MAX_DEPTH:
        return empty, [_too_deep(name)]
    if len(json.dumps(value).encode()) > MAX_DOCUMENT_BYTES:
        return empty, [_too_large(name)]
    return ParsedDocument(name, value, {}), []


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
