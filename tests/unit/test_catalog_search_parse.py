"""What a person types becomes words only: FTS syntax never reaches the match expression."""

from __future__ import annotations

from app.services.catalog import query, search


def test_terms_are_words_lowercased_deduplicated_and_bounded():
    assert query.search_terms('Stripe "PAYMENTS" stripe') == ("stripe", "payments")
    assert query.search_terms('NEAR(a b) -c * "d" ^e f:g') == ("near", "a", "b", "c", "d", "e", "f", "g")
    assert query.search_terms("") == () and not query.search_terms('"*-()')
    assert len(query.search_terms(" ".join(f"w{n}" for n in range(50)))) == query.MAX_TERMS
    assert all(len(t) <= query.MAX_TERM_CHARS for t in query.search_terms("x" * 10_000))
    assert query.search_terms("snake_case café") == ("snake", "case", "café")


def test_sqlite_expression_quotes_every_term_as_a_prefix():
    assert search.sqlite_match_expression(query.search_terms("pay near")) == '"pay"* "near"*'
