"""npm's semver ranges (node-semver, loose=false, includePrerelease=false), on top of `semver`.

The grammar and its meaning follow node-semver's `classes/range.js` step by step: a range is
a union (`||`) of comparator sets; each set is desugared into plain comparators (`>=1.2.3
<2.0.0-0`) by the hyphen, tilde, caret and x-range rules; a version satisfies a set when it
satisfies every comparator AND, if it is a prerelease, some comparator of that set carries a
prerelease on the same major.minor.patch (npm's prerelease rule).

Public API: parse_range, satisfies, max_satisfying, compare, sort_versions, next_versions,
InvalidRange. Versions are strings throughout; a leading "v" is tolerated as npm does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cmp_to_key

import semver

MAX_LENGTH = 256  # node-semver's MAX_LENGTH
MAX_COMPONENT_DIGITS = 16  # node-semver's MAX_SAFE_COMPONENT_LENGTH

# --- node-semver's regular expressions (strict flavour) ------------------------------------
_NUM = r"0|[1-9]\d*"
_NONNUM = r"\d*[a-zA-Z-][a-zA-Z0-9-]*"
_MAIN = rf"({_NUM})\.({_NUM})\.({_NUM})"
_PRE_ID = rf"(?:{_NUM}|{_NONNUM})"
_PRE = rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))"
_BUILD = r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))"
_FULLPLAIN = rf"v?{_MAIN}{_PRE}?{_BUILD}?"
_GTLT = r"((?:<|>)?=?)"
_XID = rf"{_NUM}|x|X|\*"
_XPLAIN = rf"[v=\s]*({_XID})(?:\.({_XID})(?:\.({_XID})(?:{_PRE})?{_BUILD}?)?)?"

_FULL_RE = re.compile(rf"^{_FULLPLAIN}$")
# The same strict version as a JSON Schema (ECMA-262) pattern, for the OpenAPI document: ASCII
# digits and at most MAX_COMPONENT_DIGITS per number, which parse_version accepts, every one.
_JSON_NUM = rf"0|[1-9][0-9]{{0,{MAX_COMPONENT_DIGITS - 1}}}"
_JSON_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)"
VERSION_JSON_PATTERN = (
    rf"^v?({_JSON_NUM})\.({_JSON_NUM})\.({_JSON_NUM})"
    rf"(?:-{_JSON_PRE_ID}(?:\.{_JSON_PRE_ID})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_HYPHEN_RE = re.compile(rf"^\s*({_XPLAIN})\s+-\s+({_XPLAIN})\s*$")
_COMPARATOR_TRIM_RE = re.compile(rf"(\s*){_GTLT}\s*({_FULLPLAIN}|{_XPLAIN})")
_TILDE_TRIM_RE = re.compile(r"(\s*)(?:~>?)\s+")
_CARET_TRIM_RE = re.compile(r"(\s*)(?:\^)\s+")
_TILDE_RE = re.compile(rf"^(?:~>?){_XPLAIN}$")
_CARET_RE = re.compile(rf"^(?:\^){_XPLAIN}$")
_XRANGE_RE = re.compile(rf"^{_GTLT}\s*{_XPLAIN}$")
_STAR_RE = re.compile(r"(<|>)?=?\s*\*")
_GTE0_RE = re.compile(r"^\s*>=\s*0\.0\.0\s*$")
_COMPARATOR_RE = re.compile(rf"^{_GTLT}\s*({_FULLPLAIN})$|^$")


class InvalidRange(ValueError):
    """The text is not a range in npm's grammar."""


class InvalidVersion(ValueError):
    """The text is not a semantic version."""


def parse_version(text: str) -> semver.Version:
    """A strict semver version; a leading "v" is tolerated (node-semver's SemVer)."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise InvalidVersion(f"{text!r} is not a semantic version.")
    match = _FULL_RE.match(text.strip())
    if not match:
        raise InvalidVersion(f"{text!r} is not a semantic version (expected MAJOR.MINOR.PATCH, e.g. 1.4.0).")
    major, minor, patch, pre, build = match.groups()
    for part in (major, minor, patch):
        if len(part) > MAX_COMPONENT_DIGITS:
            raise InvalidVersion(f"{text!r} has a number that is too large.")
    return semver.Version(int(major), int(minor), int(patch), pre, build)


def is_valid_version(text: str) -> bool:
    try:
        parse_version(text)
    except InvalidVersion:
        return False
    return True


def _is_x(part: str | None) -> bool:
    return not part or part.lower() == "x" or part == "*"


# --- desugaring, as node-semver does it ------------------------------------------------------


def _hyphen_replace(match: re.Match) -> str:
    groups = match.groups()
    f_M, f_m, f_p, f_pr = groups[1:5]
    t_M, t_m, t_p, t_pr = groups[7:11]
    if _is_x(f_M):
        low = ""
    elif _is_x(f_m):
        low = f">={f_M}.0.0"
    elif _is_x(f_p):
        low = f">={f_M}.{f_m}.0"
    else:
        low = f">={f_M}.{f_m}.{f_p}" + (f"-{f_pr}" if f_pr else "")
    if _is_x(t_M):
        high = ""
    elif _is_x(t_m):
        high = f"<{int(t_M) + 1}.0.0-0"
    elif _is_x(t_p):
        high = f"<{t_M}.{int(t_m) + 1}.0-0"
    elif t_pr:
        high = f"<={t_M}.{t_m}.{t_p}-{t_pr}"
    else:
        high = f"<={t_M}.{t_m}.{t_p}"
    return f"{low} {high}".strip()


def _major_only(M: str | None) -> str:
    """`~1`, `^1`, `~1.x`, `^1.x` (and `~*`, `^x`: anything): the tilde and caret agree here."""
    return "" if _is_x(M) else f">={M}.0.0 <{int(M) + 1}.0.0-0"


def _desugar(regex: re.Pattern, comp: str, rule) -> str:
    """Shared frame of the tilde and caret rules: match, then the major-only case, then `rule`."""
    match = regex.match(comp)
    if not match:
        return comp
    M, m, p, pr = match.groups()[:4]
    if _is_x(M) or _is_x(m):
        return _major_only(M)
    return rule(M, m, p, pr)


def _tilde(M: str, m: str, p: str | None, pr: str | None) -> str:
    # ~1.2 and ~1.2.3: patch-level changes within the minor
    low = f">={M}.{m}.0" if _is_x(p) else f">={M}.{m}.{p}" + (f"-{pr}" if pr else "")
    return f"{low} <{M}.{int(m) + 1}.0-0"


def _caret(M: str, m: str, p: str | None, pr: str | None) -> str:
    # ^: changes that do not modify the left-most non-zero part
    if _is_x(p):
        high = f"<{M}.{int(m) + 1}.0-0" if M == "0" else f"<{int(M) + 1}.0.0-0"
        return f">={M}.{m}.0 {high}"
    low = f">={M}.{m}.{p}" + (f"-{pr}" if pr else "")
    if M == "0":
        if m == "0":
            return f"{low} <{M}.{m}.{int(p) + 1}-0"
        return f"{low} <{M}.{int(m) + 1}.0-0"
    return f"{low} <{int(M) + 1}.0.0-0"


def _replace_tilde(comp: str) -> str:
    return _desugar(_TILDE_RE, comp, _tilde)


def _replace_caret(comp: str) -> str:
    return _desugar(_CARET_RE, comp, _caret)


def _replace_xrange(comp: str) -> str:
    match = _XRANGE_RE.match(comp.strip())
    if not match:
        return comp
    gtlt, M, m, p = match.groups()[:4]
    x_M = _is_x(M)
    x_m = x_M or _is_x(m)
    x_p = x_m or _is_x(p)
    any_x = x_p
    if gtlt == "=" and any_x:
        gtlt = ""
    pr = ""
    if x_M:
        return "<0.0.0-0" if gtlt in (">", "<") else "*"
    if gtlt and any_x:
        M = int(M)
        m = 0 if x_m else int(m)
        p = 0
        if gtlt == ">":
            gtlt = ">="
            if x_m:
                M, m = M + 1, 0
            else:
                m += 1
        elif gtlt == "<=":
            gtlt = "<"
            if x_m:
                M += 1
            else:
                m += 1
        if gtlt == "<":
            pr = "-0"
        return f"{gtlt}{M}.{m}.{p}{pr}"
    if x_m:
        return f">={M}.0.0 <{int(M) + 1}.0.0-0"
    if x_p:
        return f">={M}.{m}.0 <{M}.{int(m) + 1}.0-0"
    return comp


def _parse_comparator(comp: str) -> str:
    comp = " ".join(_replace_caret(c) for c in comp.strip().split())
    comp = " ".join(_replace_tilde(c) for c in comp.strip().split())
    comp = " ".join(_replace_xrange(c) for c in comp.split())
    return _STAR_RE.sub("", comp.strip())


@dataclass(frozen=True)
class Comparator:
    operator: str  # "", ">", ">=", "<", "<="; "" with version None matches anything
    version: semver.Version | None

    def test(self, version: semver.Version) -> bool:
        if self.version is None:
            return True
        order = version.compare(self.version)
        return {
            "": order == 0,
            ">": order > 0,
            ">=": order >= 0,
            "<": order < 0,
            "<=": order <= 0,
        }[self.operator]

    def __str__(self) -> str:
        return "" if self.version is None else f"{self.operator}{self.version}"


def _comparator(text: str, raw: str) -> Comparator:
    match = _COMPARATOR_RE.match(text)
    if not match:
        raise InvalidRange(f"Invalid version range {raw!r}: {text!r} is not a comparator.")
    operator, version = match.group(1) or "", match.group(2)
    if version is None:
        return Comparator("", None)
    try:
        return Comparator("" if operator == "=" else operator, parse_version(version))
    except InvalidVersion as error:
        raise InvalidRange(f"Invalid version range {raw!r}: {error}") from None


def _parse_set(text: str, raw: str) -> tuple[Comparator, ...]:
    text = _HYPHEN_RE.sub(_hyphen_replace, text)
    text = _COMPARATOR_TRIM_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}", text)
    text = _TILDE_TRIM_RE.sub(lambda m: f"{m.group(1)}~", text)
    text = _CARET_TRIM_RE.sub(lambda m: f"{m.group(1)}^", text)
    parts = " ".join(_parse_comparator(c) for c in text.split(" ")).split()
    parts = [_GTE0_RE.sub("", c) for c in parts] or [""]
    comparators: dict[str, Comparator] = {}
    for part in parts:
        comparator = _comparator(part, raw)
        comparators.setdefault(str(comparator), comparator)
    if len(comparators) > 1:
        comparators.pop("", None)
    return tuple(comparators.values())


@dataclass(frozen=True)
class Range:
    raw: str
    sets: tuple[tuple[Comparator, ...], ...]

    def test(self, version: str | semver.Version) -> bool:
        if isinstance(version, str):
            try:
                version = parse_version(version)
            except InvalidVersion:
                return False
        return any(_test_set(comparators, version) for comparators in self.sets)

    def __str__(self) -> str:
        return "||".join(" ".join(str(c) for c in s).strip() or "*" for s in self.sets)


def _test_set(comparators: tuple[Comparator, ...], version: semver.Version) -> bool:
    if not all(c.test(version) for c in comparators):
        return False
    if not version.prerelease:
        return True
    # npm: a prerelease only satisfies when a comparator of this set opts into
    # prereleases of that same major.minor.patch.
    return any(
        c.version is not None
        and c.version.prerelease
        and (c.version.major, c.version.minor, c.version.patch)
        == (version.major, version.minor, version.patch)
        for c in comparators
    )


def parse_range(text: str) -> Range:
    if not isinstance(text, str):
        raise InvalidRange("A version range must be a string.")
    if len(text) > MAX_LENGTH:
        raise InvalidRange(f"A version range may be at most {MAX_LENGTH} characters long.")
    normalised = " ".join(text.strip().split())
    sets = tuple(_parse_set(part.strip(), text) for part in normalised.split("||"))
    return Range(raw=text, sets=sets)


def satisfies(version: str, range_text: str) -> bool:
    """Does `version` satisfy `range_text`? An invalid version or range never does (as npm)."""
    try:
        return parse_range(range_text).test(version)
    except InvalidRange:
        return False


def max_satisfying(versions: Iterable[str], range_text: str) -> str | None:
    """The highest of `versions` that satisfies the range (the original string), or None."""
    try:
        parsed = parse_range(range_text)
    except InvalidRange:
        return None
    best: tuple[semver.Version, str] | None = None
    for text in versions:
        try:
            version = parse_version(text)
        except InvalidVersion:
            continue
        if parsed.test(version) and (best is None or version.compare(best[0]) > 0):
            best = (version, text)
    return best[1] if best else None


def compare(a: str, b: str) -> int:
    """Semver precedence: -1, 0 or 1 (build metadata ignored). Raises InvalidVersion."""
    return parse_version(a).compare(parse_version(b))


version_key = cmp_to_key(compare)
"""A sort key (for sorted, max) by semver precedence. Raises InvalidVersion on a bad version."""


def sort_versions(versions: Iterable[str], *, reverse: bool = False) -> list[str]:
    """Ascending semver precedence (prereleases before their release). Raises InvalidVersion."""
    return sorted(versions, key=version_key, reverse=reverse)


def next_versions(current: str | None) -> dict[str, str]:
    """The next patch, minor and major release after `current` (npm's `inc`). None: a first release."""
    if not current:
        return {"patch": "0.0.1", "minor": "0.1.0", "major": "1.0.0"}
    v = parse_version(current)
    if v.prerelease:
        patch = f"{v.major}.{v.minor}.{v.patch}"
        minor = patch if v.patch == 0 else f"{v.major}.{v.minor + 1}.0"
        major = patch if (v.minor, v.patch) == (0, 0) else f"{v.major + 1}.0.0"
    else:
        patch = f"{v.major}.{v.minor}.{v.patch + 1}"
        minor = f"{v.major}.{v.minor + 1}.0"
        major = f"{v.major + 1}.0.0"
    return {"patch": patch, "minor": minor, "major": major}
