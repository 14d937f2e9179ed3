"""Search relevance: how a match's text score, trust tier, installs and rating blend into one order.

Decides: the order of a search's matches (pure; the catalog's ranking step feeds it rows).

The formula, for one match of a query::

    blend = 0.50 * text                                  text match, 0..1
          + 0.20 * TIER_WEIGHT[tier]                      trust tier, 0..1
          + 0.15 * installs / (installs + 100)            installs, damped, 0..1
          + 0.15 * (bayesian_rating - 1) / 4              rating, damped, 0..1
    goodness = blend + (1 if exact else 0)
    score = -goodness                                     lower is better (ties: the id)

* `text` is the match's full-text score relative to the query's best one (1 = as good as the best
  match), times TYPO_TEXT (0.5) for a match found only by tolerating a typo.
* `exact`: the query, case and spacing aside, IS the listing's name, slug or publisher handle (or
  "publisher/slug"). The blend stays below 1, so every exact match comes before every other.
* Installs count with diminishing returns: 100 installs are half the weight, 10,000 nearly all of
  it, so a few thousand more installs cannot buy the top spot from a better text match.
* The rating is a Bayesian (damped) average: RATING_PRIOR_COUNT (10) imaginary ratings of
  RATING_PRIOR_MEAN (3 stars) stand beside the real ones, so one 5-star rating moves the average
  from 3 to 3.18, and only many ratings pull it far from the middle.

Then confusable copies (`demote_copies`): a listing whose name, or publisher handle and slug, look
like another public match's (equal UTS #39 skeletons, app/domain/namespaces.py), and which is less
trusted, or as trusted and newer, is placed just after that original if it would otherwise come
before it. So a copy never outranks its original, whatever its installs, rating or exact match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .namespaces import handle_skeleton

W_TEXT = 0.50
W_TIER = 0.20
W_INSTALLS = 0.15
W_RATING = 0.15
EXACT_BONUS = 1.0
TYPO_TEXT = 0.5
INSTALLS_HALF = 100
RATING_PRIOR_COUNT = 10
RATING_PRIOR_MEAN = 3.0
COPY_STEP = 1e-6  # how far after its original a demoted copy lands

TIER_WEIGHT = {
    "first_party": 1.0,
    "vendor_official": 0.85,
    "verified_partner": 0.7,
    "verified_publisher": 0.5,
    "community": 0.2,
}
TIER_ORDER = tuple(TIER_WEIGHT)  # most trusted first


def bayesian_rating(rating_count: int, rating_total: int) -> float:
    """The damped average of 1-5 stars: real ratings plus RATING_PRIOR_COUNT at RATING_PRIOR_MEAN."""
    count = max(0, rating_count or 0)
    total = max(0, rating_total or 0) if count else 0
    return (RATING_PRIOR_COUNT * RATING_PRIOR_MEAN + total) / (RATING_PRIOR_COUNT + count)


def installs_weight(installs: int) -> float:
    installs = max(0, installs or 0)
    return installs / (installs + INSTALLS_HALF)


def blend(
    text: float, *, tier: str, installs: int = 0, rating_count: int = 0, rating_total: int = 0
) -> float:
    """0 <= blend < 1: the weighted sum of text match, trust, installs and rating (module docstring)."""
    text = min(1.0, max(0.0, text))
    rating = (bayesian_rating(rating_count, rating_total) - 1.0) / 4.0
    value = (
        W_TEXT * text
        + W_TIER * TIER_WEIGHT.get(tier, 0.0)
        + W_INSTALLS * installs_weight(installs)
        + W_RATING * min(1.0, max(0.0, rating))
    )
    return min(value, 0.999999)


def relevance_score(
    text: float,
    *,
    exact: bool,
    tier: str,
    installs: int = 0,
    rating_count: int = 0,
    rating_total: int = 0,
) -> float:
    """The sort score of one match: lower is better (the catalog orders by score, then id)."""
    goodness = blend(text, tier=tier, installs=installs, rating_count=rating_count, rating_total=rating_total)
    return -(goodness + (EXACT_BONUS if exact else 0.0))


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> tuple[str, ...]:
    """Words only, lower-cased, deduplicated in order: as the catalog turns a query into its terms."""
    found: list[str] = []
    for match in _WORD.finditer(text or ""):
        word = match.group(0).lower()
        if word not in found:
            found.append(word)
    return tuple(found)


def is_exact(terms: tuple[str, ...], *, name: str, slug: str, publisher: str) -> bool:
    """The query's words ARE the listing's name, slug, publisher handle, or publisher/slug (case,
    spacing and punctuation aside)."""
    if not terms:
        return False
    return any(_same_words(terms, text) for text in (name, slug, publisher, f"{publisher} {slug}"))


def _same_words(terms: tuple[str, ...], text: str) -> bool:
    # Most texts differ in their first word: tell so without splitting them (a ranking checks
    # thousands of matches).
    if text[:1].isalnum() and not text[: len(terms[0]) + 1].lower().startswith(terms[0]):
        return False
    return words(text) == terms


def relative_text(score: float, best: float) -> float:
    """A full-text score (lower is better, as both databases' are given here) relative to the best
    one: 1 for the best match, towards 0 for weaker ones."""
    if best >= 0 or score >= 0:
        return 1.0 if score <= best else 0.0
    return min(1.0, score / best)


@lru_cache(maxsize=65536)
def name_skeleton(name: str) -> str:
    """What a name looks like (case, spaces and hyphens aside): equal skeletons look alike."""
    return handle_skeleton("".join(name.split()))


@lru_cache(maxsize=65536)
def address_skeleton(publisher: str, slug: str) -> str:
    return f"{handle_skeleton(publisher)}/{handle_skeleton(slug)}"


@dataclass
class Scored:
    """One match as `demote_copies` needs it; `score` is updated in place."""

    id: str
    score: float
    name: str
    publisher: str
    slug: str
    tier: str
    created_at: datetime | None
    public: bool


def _precedence(item: Scored) -> tuple:
    """Who is the original among look-alikes: the most trusted, then the oldest, then the id."""
    tier = TIER_ORDER.index(item.tier) if item.tier in TIER_ORDER else len(TIER_ORDER)
    created = item.created_at.isoformat() if item.created_at else "9999"
    return (tier, created, item.id)


def copy_keys(name: str, publisher: str, slug: str) -> tuple[str, str]:
    """What the copy rule compares of a listing: its name's skeleton, and its address's."""
    return name_skeleton(name), address_skeleton(publisher, slug)


def demote_copies(items: list[Scored]) -> None:
    """Place every confusable copy after its original (module docstring). Only public listings count
    as originals, so the order never tells anyone about a listing they cannot see."""
    demote_copies_by(items, lambda item: copy_keys(item.name, item.publisher, item.slug))


def demote_copies_by(items: list[Scored], keys_of) -> None:
    """`demote_copies`, each item's `copy_keys` given by `keys_of(item)` (a kept ranking keeps them, so
    a patch re-runs the rule on a few items without their names). Items sharing no key with each other
    do not affect each other: the rule may be run on each linked group alone."""
    ordered = sorted(items, key=_precedence)
    first_by_key: dict[tuple[int, str], Scored] = {}
    for item in ordered:
        originals = []
        for key in enumerate(keys_of(item)):  # (0, name skeleton), (1, address skeleton)
            original = first_by_key.get(key)
            if original is None:
                if item.public:
                    first_by_key[key] = item
            elif original is not item:
                originals.append(original)
        for original in originals:
            if item.score <= original.score:
                item.score = original.score + COPY_STEP
