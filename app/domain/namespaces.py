"""Publisher handles: which are reserved, and when two handles look alike.

Two handles look alike when their skeletons are equal. A skeleton is Unicode TR39's (each character
replaced by the prototype of its confusable class, from the `confusable-homoglyphs` package's copy of
Unicode's confusables.txt), taken over the upper- and the lower-case spelling so case does not
matter (`0` ~ `O` ~ `o`, `1` ~ `I` ~ `l` ~ `i`, `rn` ~ `m`), with hyphens removed (`str-ipe` ~ `stripe`).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from confusable_homoglyphs.confusables import confusables_data

DEFAULT_HANDLE_LIMIT = 3  # handles a workspace may hold unless staff raise its limit
HANDLE_LIMIT_MAX = 1_000


def _built_in() -> frozenset[str]:
    """Well-known brands and misleading words (reserved_handles.txt beside this module)."""
    text = resources.files(__package__).joinpath("reserved_handles.txt").read_text(encoding="utf-8")
    return frozenset(word for line in text.splitlines() if not line.startswith("#") for word in line.split())


BUILT_IN_RESERVED = _built_in()


def _prototype(char: str) -> str:
    """The representative of `char`'s confusable class. The package's table links each character of
    Unicode's confusables.txt both to its prototype and from it, so a class is everything two links
    away; a prototype of several characters ("rn" for "m") is never a source, so it is the one."""
    members = {char}
    for link in confusables_data.get(char, ()):
        members.add(link["c"])
        members.update(other["c"] for other in confusables_data.get(link["c"], ()))
    members = {m.replace("\u200e", "") for m in members}  # the table wraps right-to-left characters
    longer = sorted(m for m in members if len(m) > 1)
    return longer[0] if longer else min(members)


@cache
def _prototype_cached(char: str) -> str:
    return _prototype(char)


def tr39_skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character mapped to its class's prototype, NFD again."""
    mapped = "".join(_prototype_cached(c) for c in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def handle_skeleton(handle: str) -> str:
    """What `handle` looks like, ignoring case and hyphens: equal skeletons mean look-alikes."""
    text = tr39_skeleton(handle.upper())
    for _ in range(5):  # until stable: a prototype's lower case may itself have a prototype
        lowered = tr39_skeleton(text.lower())
        if lowered == text:
            break
        text = lowered
    return text.replace("-", "")


@cache
def built_in_skeletons() -> dict[str, str]:
    """skeleton → the built-in reserved word it comes from."""
    return {handle_skeleton(word): word for word in sorted(BUILT_IN_RESERVED)}
