"""The relevance formula, the confusable-copy rule and the one-typo rule (app/domain/relevance.py,
app/domain/typos.py): pure functions, checked on fixed numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.domain import relevance, typos
from app.domain.relevance import Scored, bayesian_rating, blend, demote_copies, is_exact, relevance_score


def test_bayesian_rating_damps_few_ratings():
    assert bayesian_rating(0, 0) == 3.0
    assert bayesian_rating(1, 5) == pytest.approx(35 / 11)  # one 5-star rating: 3.18, not 5
    assert bayesian_rating(1, 1) == pytest.approx(31 / 11)
    assert bayesian_rating(100, 500) == pytest.approx(530 / 110)  # many: close to their mean
    assert bayesian_rating(-3, 99) == 3.0  # nonsense counts read as none


def test_blend_weights_and_bounds():
    assert blend(1.0, tier="first_party") == pytest.approx(0.5 + 0.2 + 0.15 * 0.5)
    assert blend(0.0, tier="community") == pytest.approx(0.2 * 0.2 + 0.15 * 0.5)
    top = blend(1.0, tier="first_party", installs=10**9, rating_count=10**6, rating_total=5 * 10**6)
    assert 0.99 < top < 1.0  # so the exact-match bonus always dominates
    assert relevance.installs_weight(100) == 0.5


def test_exact_match_beats_any_blend():
    exact_weak = relevance_score(0.0, exact=True, tier="community")
    best_other = relevance_score(
        1.0, exact=False, tier="first_party", installs=10**6, rating_count=999, rating_total=4995
    )
    assert exact_weak < best_other  # lower is better


def test_trust_installs_and_rating_order_equal_text_matches():
    def score(**kw):
        return relevance_score(1.0, exact=False, **kw)

    first_party = score(tier="first_party")
    community = score(tier="community")
    popular = score(tier="community", installs=5000)
    one_star_rating = score(tier="community", rating_count=1, rating_total=5)
    well_rated = score(tier="community", rating_count=40, rating_total=200)
    assert first_party < popular < community
    assert well_rated < one_star_rating < community
    assert popular < one_star_rating  # one rating matters little
    # A much better text match is not bought by installs.
    assert relevance_score(1.0, exact=False, tier="community") < relevance_score(
        0.2, exact=False, tier="community", installs=10**6
    )


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (("slack",), True),  # the name
        (("acme",), True),  # the publisher handle
        (("slack", "bot"), False),
        (("slackbot",), False),
        (("acme", "slack", "app"), True),  # publisher/slug words
        ((), False),
    ],
)
def test_exact_match(terms, expected):
    assert is_exact(terms, name="Slack", slug="slack-app", publisher="acme") is expected


def test_exact_match_ignores_case_and_punctuation():
    assert is_exact(("globex", "sms"), name="Globex  SMS!", slug="x", publisher="y")


def _item(id, score, *, name="Slack", publisher="slack", slug="slack", tier="community", age=0, public=True):
    created = datetime(2026, 1, 1) + timedelta(days=age)
    return Scored(id, score, name, publisher, slug, tier, created, public)


def test_a_copy_never_outranks_its_original():
    original = _item("b", -1.2, tier="verified_publisher", age=5)
    copy = _item("a", -1.9, name="SIack", publisher="s1ack", tier="community", age=0)  # older, less trusted
    other = _item("c", -1.5, name="Other", publisher="other", slug="other")
    demote_copies([copy, original, other])
    assert original.score < copy.score <= original.score + 2 * relevance.COPY_STEP
    assert other.score == -1.5


def test_among_equals_the_older_is_the_original():
    older = _item("z", -0.5, age=0)
    newer = _item("a", -0.9, publisher="slack-two", slug="slack", age=1)  # same name: a look-alike
    demote_copies([newer, older])
    assert older.score < newer.score


def test_a_copy_already_below_keeps_its_score_and_a_more_trusted_lookalike_is_no_copy():
    original = _item("o", -1.0, tier="first_party")
    copy = _item("c", -0.3, publisher="s1ack")
    demote_copies([copy, original])
    assert copy.score == -0.3
    trusted = _item("t", -0.9, tier="first_party", age=9)
    newer_community = _item("n", -0.2, publisher="sIack", age=0)
    demote_copies([trusted, newer_community])
    assert trusted.score == -0.9


def test_only_public_listings_are_originals():
    private = _item("p", -1.0, tier="first_party", public=False)
    public = _item("q", -1.5, publisher="s1ack")
    demote_copies([private, public])
    assert public.score == -1.5


def test_look_alike_names_by_skeleton():
    assert relevance.name_skeleton("SIack") == relevance.name_skeleton("slack")
    assert relevance.name_skeleton("Sl ack") == relevance.name_skeleton("Slack")
    assert relevance.name_skeleton("Slаck") == relevance.name_skeleton("Slack")  # Cyrillic а
    assert relevance.name_skeleton("Slick") != relevance.name_skeleton("Slack")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("slak", "slack", True),
        ("zendsk", "zendesk", True),
        ("slcak", "slack", True),  # two neighbours swapped
        ("slxck", "slack", True),
        ("slack", "slack", True),
        ("slk", "slack", False),
        ("sclak", "slack", False),
        ("slick", "slak", False),
    ],
)
def test_within_one_edit(a, b, expected):
    assert typos.within_one_edit(a, b) is expected
    assert typos.within_one_edit(b, a) is expected


def test_matches_with_typos_needs_every_term():
    assert typos.matches_with_typos(("slak",), ["Slack", "slack", "acme"])
    assert typos.matches_with_typos(("globex", "shets"), ["Globex Sheets", "globex-sheets", "globex"])
    assert typos.matches_with_typos(("slak",), ["Slackbot"])  # a typo in a word being typed
    assert not typos.matches_with_typos(("globex", "zzzz"), ["Globex Sheets"])
    assert not typos.matches_with_typos(("slk",), ["Slack"])  # three letters: as typed only
    assert not typos.matches_with_typos(("slak",), ["Slick"])
