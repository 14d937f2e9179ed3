"""A workspace's install policy, and the one decision it makes: may this listing be installed there.

A policy has a minimum trust tier (None: any tier), an allow list and a block list, and whether
plain members may ask for installs. List entries are a publisher handle (`acme`: all its listings)
or one listing (`acme/crm-sync`). The most specific entry decides:

1. the listing is on the block list            -> blocked;
2. the listing is on the allow list            -> allowed, whatever its tier;
3. its publisher is on the block list          -> blocked;
4. its publisher is on the allow list          -> allowed, whatever its tier;
5. its tier is below the minimum               -> blocked;
6. otherwise                                   -> allowed.

So an allow entry is an exception to the minimum tier, and a listing entry is an exception to its
publisher's entry. The same entry on both lists is refused when the policy is saved. Entries are not
checked against existing publishers or listings: that would tell an admin which private ones exist,
and a workspace may block a publisher before it publishes anything.

Pure: no Flask, no database. Services load the policy and ask `decide`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .trust import TIERS, tier_info

MAX_ENTRIES = 200
ENTRY_MAX = 104  # handle (39) + "/" + slug (64)
# The models' publisher and slug patterns (the domain imports no models; a unit test keeps them equal).
PUBLISHER_PATTERN = r"^[a-z0-9][a-z0-9-]{0,38}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_HANDLE_RE = re.compile(PUBLISHER_PATTERN)
_SLUG_RE = re.compile(SLUG_PATTERN)
_SEPARATORS = re.compile(r"[\r\n,]+")

# Most trusted first, as trust.TIERS lists them.
TIER_ORDER = tuple(TIERS)


@dataclass(frozen=True)
class Policy:
    min_tier: str | None = None
    allow: frozenset[str] = field(default_factory=frozenset)
    block: frozenset[str] = field(default_factory=frozenset)
    members_may_request: bool = True


DEFAULT = Policy()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # plain words, for a person; empty when allowed
    rule: str = "default"  # which rule decided (tests, audit notes)


def tier_rank(tier: str | None) -> int:
    """0 for the most trusted tier; an unknown tier ranks as the least trusted (community)."""
    key = tier_info(tier or "community").key
    return TIER_ORDER.index(key)


def decide(policy: Policy, publisher: str, slug: str, trust_tier: str, workspace_name: str) -> Decision:
    """Whether `workspace_name`'s policy lets publisher/slug (of `trust_tier`) be installed, and why not."""
    listing = f"{publisher}/{slug}"
    whose = f"{workspace_name}'s install policy"
    if listing in policy.block:
        return Decision(False, f"{whose} blocks {listing}.", "blocked_listing")
    if listing in policy.allow:
        return Decision(True, rule="allowed_listing")
    if publisher in policy.block:
        return Decision(False, f"{whose} blocks every integration by {publisher}.", "blocked_publisher")
    if publisher in policy.allow:
        return Decision(True, rule="allowed_publisher")
    if policy.min_tier and tier_rank(trust_tier) > tier_rank(policy.min_tier):
        minimum, tier = tier_info(policy.min_tier).label, tier_info(trust_tier).label
        return Decision(
            False,
            f"{whose} allows only {minimum} integrations or more trusted ones; this one is {tier}.",
            "below_tier",
        )
    return Decision(True)


# --- reading what an admin typed ---------------------------------------------------------------


@dataclass(frozen=True)
class ParsedList:
    entries: tuple[str, ...]
    errors: tuple[str, ...]


def parse_entries(text: str | None) -> ParsedList:
    """A list as typed (one entry per line, or separated by commas): the entries, in order, lower-cased
    and without repeats, and a message per entry that is neither `publisher` nor `publisher/slug`
    (a space inside an entry is an error, not a separator: "Not A Handle" must not become three)."""
    entries: list[str] = []
    errors: list[str] = []
    for raw in _SEPARATORS.split(text or ""):
        raw = raw.strip()
        if not raw:
            continue
        entry = raw.lower()
        if not _valid_entry(entry):
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            errors.append(f"“{shown}” is not a publisher handle (acme) or a listing (acme/crm-sync).")
        elif entry not in entries:
            entries.append(entry)
    if len(entries) > MAX_ENTRIES:
        errors.append(f"List at most {MAX_ENTRIES} entries.")
    return ParsedList(tuple(entries), tuple(errors))


def _valid_entry(entry: str) -> bool:
    if len(entry) > ENTRY_MAX or not entry.isascii():
        return False
    publisher, has_slash, slug = entry.partition("/")
    if not _HANDLE_RE.match(publisher):
        return False
    return not has_slash or bool(_SLUG_RE.match(slug))


def overlap_error(allow: tuple[str, ...], block: tuple[str, ...]) -> str | None:
    """An entry on both lists contradicts itself: the message for the block list, or None."""
    both = [entry for entry in block if entry in allow]
    if not both:
        return None
    return "Also on the allow list: " + ", ".join(both) + ". Keep each entry on one list."


def valid_min_tier(value: str | None) -> str | None:
    """The minimum tier as stored: a tier key, or None for "any tier" ('' or None). ValueError otherwise."""
    if value in (None, ""):
        return None
    if value not in TIERS:
        raise ValueError(value)
    return value


def describe(policy: Policy) -> list[str]:
    """The policy in plain sentences, for the people it applies to."""
    lines = []
    if policy.min_tier and tier_rank(policy.min_tier) > 0:
        lines.append(
            f"Only {tier_info(policy.min_tier).label} integrations or more trusted ones may be installed."
        )
    elif policy.min_tier:
        lines.append(f"Only {tier_info(policy.min_tier).label} integrations may be installed.")
    else:
        lines.append("Integrations of every trust tier may be installed.")
    if policy.block:
        lines.append("Blocked: " + ", ".join(sorted(policy.block)) + ".")
    if policy.allow:
        lines.append("Allowed whatever their trust tier: " + ", ".join(sorted(policy.allow)) + ".")
    lines.append(
        "Members may ask the admins to install an integration."
        if policy.members_may_request
        else "Members may not ask for installs."
    )
    return lines
