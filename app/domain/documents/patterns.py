"""Publisher regular expressions (a variablesSchema `pattern`): which ones the marketplace
accepts, and matching them. Every publisher pattern is matched with RE2 (google-re2), whose
running time is linear in the input whatever the pattern, and which releases the GIL while it
runs; Python's `re` backtracks (`^(a|a)*$` on 30 characters takes minutes, holding the GIL), so
it never sees a publisher's pattern.

JSON Schema's `pattern` is an unanchored ECMA-262 search, so a pattern is matched with RE2's
`search`. RE2's syntax is close to ECMA-262; the differences a publisher may meet:
- refused on save: lookahead/lookbehind, backreferences (`\\1`, `\\k<name>`), atomic groups and
  possessive quantifiers (ECMA has neither of the last two), repeat counts above 1000;
- ECMA's `\\uXXXX` and `\\u{X...}` are accepted: they are rewritten to RE2's `\\x{...}`;
- `\\s` and `\\S` are rewritten to ECMA's whitespace (Unicode spaces such as U+00A0 included;
  RE2's own is ASCII), except `\\S` inside a [class], which stays ASCII;
- `\\d`, `\\w`, `\\b` are ASCII-only in both; `$` ends the text in both (not before a final
  newline, as in Python's `re`); `.` matches any character but a newline in both;
- RE2 also accepts a few non-ECMA forms (`\\pL`, `[[:alpha:]]`, `(?i)`): harmless extras.
A value that is not valid Unicode text (a lone surrogate) matches no pattern.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_LENGTH = 200

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is answered beside its field, not on stderr
_OPTIONS.never_capture = True  # only "does it match?" is ever asked

# ECMA-262's \s (JavaScript's whitespace and line terminators); RE2's is ASCII only.
_ECMA_SPACE = r"\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}"
_ECMA_UNICODE_ESCAPE = re.compile(r"\\u(?:([0-9A-Fa-f]{4})|\{([0-9A-Fa-f]{1,6})\})")

# RE2's reasons for refusing a pattern that Perl/Python/ECMA-262 engines run by backtracking.
_UNSUPPORTED = (
    ("invalid perl operator: (?=", "lookahead"),
    ("invalid perl operator: (?!", "lookahead"),
    ("invalid perl operator: (?<=", "lookbehind"),
    ("invalid perl operator: (?<!", "lookbehind"),
    ("invalid perl operator: (?>", "atomic group"),
    ("invalid perl operator: (?P=", "backreference"),
    ("invalid escape sequence: \\k", "backreference"),
)


def _ecma_escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The escape starting at pattern[i] == "\\" in RE2's spelling, and its length."""
    unicode = _ECMA_UNICODE_ESCAPE.match(pattern, i)
    if unicode:
        return "\\x{" + (unicode.group(1) or unicode.group(2)) + "}", unicode.end() - i
    escape = pattern[i : i + 2]
    if escape == "\\s":
        return (_ECMA_SPACE if in_class else f"[{_ECMA_SPACE}]"), 2
    if escape == "\\S" and not in_class:  # inside a class RE2's ASCII \S stays (no nested classes)
        return f"[^{_ECMA_SPACE}]", 2
    return escape, len(escape)


def _ecma_to_re2(pattern: str) -> str:
    """An ECMA-262 pattern in RE2's syntax: \\uXXXX and \\u{X...} become \\x{...}; \\s and
    \\S take ECMA's (Unicode) whitespace. Everything else is passed through as written."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            text, length = _ecma_escape(pattern, i, in_class)
            out.append(text)
            i += length
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def _unsupported_feature(reason: str) -> str | None:
    for prefix, feature in _UNSUPPORTED:
        if reason.startswith(prefix):
            return feature
    escape = reason.removeprefix("invalid escape sequence: \\")
    if escape != reason and escape[:1].isdigit():
        return "backreference"
    operator = reason.removeprefix("bad repetition operator: ")
    if operator != reason and len(operator) > 1 and operator.endswith("+"):
        return "possessive quantifier"
    return None


def _explain(reason: str) -> str:
    feature = _unsupported_feature(reason)
    if feature:
        return (
            f"This pattern uses a feature the marketplace cannot run safely ({feature}); "
            "rewrite it without lookarounds, backreferences, atomic groups or possessive quantifiers."
        )
    if reason.startswith("pattern too large"):
        return "This pattern is too large to run; use smaller repeat counts."
    return f"Not a valid regular expression: {reason}."


@lru_cache(maxsize=128)  # each program may grow to RE2's 8 MiB budget as it runs
def _compile(pattern: str) -> tuple[Any, str | None]:
    """(the RE2 program, None) or (None, why the pattern is refused)."""
    try:
        return re2.compile(_ecma_to_re2(pattern), _OPTIONS), None
    except re2.error as error:
        reason = error.args[0] if error.args else b""
        return None, _explain(reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason))
    except (TypeError, ValueError, UnicodeError) as error:  # e.g. a lone surrogate in the pattern
        return None, f"Not a valid regular expression: {error}."


def pattern_problem(pattern: Any) -> str | None:
    """Why a publisher's pattern may not be saved, or None."""
    if not isinstance(pattern, str):
        return "A pattern must be a string."
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"A pattern may be at most {MAX_PATTERN_LENGTH} characters long."
    return _compile(pattern)[1]


def pattern_matches(pattern: Any, text: str) -> bool:
    """JSON Schema's `pattern`: does RE2 find the pattern anywhere in `text`? A pattern that
    cannot be saved (too long, refused by RE2) matches nothing."""
    if pattern_problem(pattern) is not None:
        return False
    program, _ = _compile(pattern)
    try:
        return program.search(text) is not None
    except UnicodeError:  # a lone surrogate: not text RE2 can read, so no match
        return False
