"""What a person types becomes words only: FTS syntax never reaches the match expression."""

from __future__ import annotations

from app.services import search


def test_terms_are_words_lowercased_deduplicated_and_bounded():
    assert search.parse('Stripe "PAYMENTS" stripe').terms == ("stripe", "payments")
    assert search.parse('NEAR(a b) -c * "d" ^e f:g').terms == ("near", "a", "b", "c", "d", "e", "f", "g")
    assert search.parse("").terms == () and not search.parse('"*-()')
    assert len(search.parse(" ".join(f"w{n}" for n in range(50))).terms) == search.MAX_TERMS
    assert all(len(t) <= search.MAX_TERM_CHARS for t in search.parse("x" * 10_000).terms)
    assert search.parse("snake_case café").terms == ("snake", "case", "café")


def test_sqlite_expression_quotes_every_term_as_a_prefix():
    assert search.sqlite_match_expression(search.parse("pay near")) == '"pay"* "near"*'
