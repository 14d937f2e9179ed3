"""People's ratings of integrations (shown as "Reviews"): the limits of what they write, the average
shown, the distribution, and the ranking score of `sort=rating`.

The ranking score is a Bayesian average: every listing starts with PRIOR_WEIGHT imaginary ratings of
PRIOR_MEAN stars, so a single 5-star rating (score 3.33) does not outrank many 4.8s (48 stars from 10
ratings: 4.2), and a listing rises with the evidence. Pure functions, no Flask, no database; the SQL
twin of `ranking_score` is `services.ratings.score_column`.
"""

from __future__ import annotations

from dataclasses import dataclass

STARS = (1, 2, 3, 4, 5)
BODY_MIN, BODY_MAX = 10, 5_000
REPLY_MIN, REPLY_MAX = 2, 5_000
FLAG_REASON_MIN, FLAG_REASON_MAX = 5, 1_000
HIDE_REASON_MIN, HIDE_REASON_MAX = 5, 1_000
PRIOR_MEAN = 3.0
PRIOR_WEIGHT = 5


def average(count: int, total: int) -> float | None:
    """The plain average shown to people, to one decimal place (None when nobody rated it)."""
    if count <= 0:
        return None
    return round(total / count, 1)


def ranking_score(count: int, total: int) -> float:
    """The Bayesian average `sort=rating` orders by (higher first)."""
    return (PRIOR_MEAN * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + count)


@dataclass(frozen=True)
class Bar:
    stars: int
    count: int
    percent: int  # of all visible ratings, rounded


def distribution(counts: dict[int, int]) -> list[Bar]:
    """5 stars down to 1, each with its count and share (whole percent)."""
    total = sum(counts.get(s, 0) for s in STARS)
    return [
        Bar(s, counts.get(s, 0), round(100 * counts.get(s, 0) / total) if total else 0)
        for s in reversed(STARS)
    ]


def stars_label(count: int, total: int) -> str:
    """Plain words for screen readers and cards: "Rated 4.5 out of 5 by 12 people"."""
    shown = average(count, total)
    if shown is None:
        return "No reviews yet"
    return f"Rated {shown:.1f} out of 5 by {count:,} {'person' if count == 1 else 'people'}"
