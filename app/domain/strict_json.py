"""Strict JSON: what the marketplace accepts from anyone, and what it can store and serve back.

Python's `json` accepts `NaN`, `Infinity` and `-Infinity` (not JSON at all), turns `1e999` into
an infinite float, and raises a bare ValueError on an integer past `sys.int_max_str_digits`.
PostgreSQL refuses a NUL inside text and jsonb, and SQLite cannot encode a lone surrogate
(`"\\ud800"` is a valid JSON escape). `loads` parses without raising on any of those: each
such number comes back as a `Refused` marker, so `problems` can name every one by its JSON path
beside the field, as the document editor shows its other errors.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

# 20 digits hold every 64-bit integer; past that, precision is lost in every JSON client anyway.
MAX_INTEGER_DIGITS = 20
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class Refused:
    """A number JSON may not hold here; it stands where the number was until `problems` reports it."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"Refused({self.message!r})"


def _constant(name: str) -> Refused:
    return Refused(f"{name} is not a JSON number.")


def _integer(text: str) -> int | Refused:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        return Refused("Number too large.")
    return int(text)


def _float(text: str) -> float | Refused:
    value = float(text)
    return value if math.isfinite(value) else Refused("Number too large.")


def loads(text: str | bytes) -> Any:
    """json.loads that never raises for a number: bad ones become `Refused` markers."""
    return json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float)


def bad_text(value: str) -> bool:
    """A NUL or a lone surrogate: neither database can store it, no person typed it."""
    return _BAD_TEXT.search(value) is not None


TEXT_PROBLEM = "Contains a character that is not allowed (a NUL or a lone surrogate)."


def problems(value: Any) -> Iterator[tuple[tuple, str]]:
    """(path parts, message) for every refused number and every string (key or value) holding a NUL
    or a lone surrogate. Iterative: a deep document cannot exhaust the stack."""
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        parts, item = stack.pop()
        if isinstance(item, Refused):
            yield parts, item.message
        elif isinstance(item, str):
            if bad_text(item):
                yield parts, TEXT_PROBLEM
        elif isinstance(item, dict):
            for key, child in item.items():
                if bad_text(key):
                    yield (*parts, key), TEXT_PROBLEM
                stack.append(((*parts, key), child))
        elif isinstance(item, list):
            stack.extend(((*parts, i), child) for i, child in enumerate(item))


def path(parts: tuple) -> str:
    """$.a.b[0] for ('a', 'b', 0); a key that is not an identifier is quoted."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += "[" + json.dumps(part) + "]"
    return out
