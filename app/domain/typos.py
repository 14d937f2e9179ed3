"""One typo tolerated: when a search word is one edit away from a listing's word.

Decides: whether a candidate the database's trigram index found (app/services/catalog/search.py)
really matches every word of the query with at most one typo per word. An edit is one inserted,
deleted, substituted or two swapped neighbouring characters (optimal string alignment distance 1),
so "slak" finds Slack and "zendsk" finds Zendesk. Words shorter than MIN_TYPO_CHARS must match as
typed (a typo in three letters is another word).
"""

from __future__ import annotations

from collections.abc import Iterable

from .relevance import words

MIN_TYPO_CHARS = 4


def within_one_edit(a: str, b: str) -> bool:
    """At most one insertion, deletion, substitution or adjacent transposition turns `a` into `b`."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
            return False
        first, second = diffs
        return a[first] == b[second] and a[second] == b[first]
    shorter, longer = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]


def term_matches(term: str, word: str) -> bool:
    """`term` is a prefix of `word` (as full-text search matches), or one edit from the word or from
    the word's beginning of about the term's length (a typo in a word still being typed)."""
    if word.startswith(term):
        return True
    if len(term) < MIN_TYPO_CHARS:
        return False
    if within_one_edit(term, word):
        return True
    return any(
        within_one_edit(term, word[:n]) for n in (len(term) - 1, len(term), len(term) + 1) if n < len(word)
    )


def matches_with_typos(terms: tuple[str, ...], texts: Iterable[str]) -> bool:
    """Every term matches some word of `texts` (name, slug, publisher...), one typo per term allowed."""
    vocabulary = {word for text in texts for word in words(text or "")}
    return all(any(term_matches(term, word) for word in vocabulary) for term in terms)


def typo_candidates_wanted(terms: tuple[str, ...]) -> bool:
    """Whether a typo search may help: some term is long enough to carry one."""
    return any(len(term) >= MIN_TYPO_CHARS for term in terms)
