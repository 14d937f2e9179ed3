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


def test_a_patch_matches_a_term_as_a_word_only_where_it_says_so():
    assert search.sqlite_match_expression(("pay", "near"), prefix=False) == '"pay" "near"'


def test_a_longer_word_beginning_with_a_term_might_be_added():
    """search.may_add_words: a changed listing's words that might put a longer word beginning with a term
    into the index (then a patch matches the search's prefix, not the word)."""
    terms = ("lantern",)
    for might in (
        "Lanternfish",
        "lanterns",
        "Old LANTERN2",
        "Lanternés",  # diacritics go: "lanternes"
        "Lantern\u0301s",  # a combining accent inside the word: FTS5 drops it, "lanterns"
        "lanternß",  # not ASCII after the term: it might be a letter
        "lantern\u00a0x",  # not ASCII: told as "might" (it is a space, in fact)
    ):
        assert search.may_add_words(terms, ("Name", None, "handle", might)), might
    for never in ("Lantern", "lantern-tool", "A lantern. Or two", "lantern_fish", "Lantern's", "", "Laterns"):
        assert not search.may_add_words(terms, ("Name", "slug", "handle", never)), never
    assert search.may_add_words(("pay", "lantern"), ("Lantern", "", "", "payments"))


def test_every_ascii_character_but_letters_and_digits_ends_a_word_in_the_search_index():
    """What may_add_words counts on, asked of this SQLite's FTS5: the index's tokenizer (migration 0002's)
    ends a word at every ASCII character other than a letter or a digit."""
    import sqlite3
    import string

    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, row)")
    for code in range(1, 128):
        character = chr(code)
        connection.execute("DELETE FROM t")
        connection.execute("INSERT INTO t (x) VALUES (?)", (f"ab{character}cd",))
        words = [row[0] for row in connection.execute("SELECT term FROM v")]
        if character in string.ascii_letters + string.digits:
            assert words == [f"ab{character}cd".lower()], repr(character)
        else:
            assert words == ["ab", "cd"], repr(character)


def test_only_plain_terms_are_told_whole_words():
    read = []
    assert not search.whole_words(("café",), lambda *args: read.append(args) or [])
    assert not search.whole_words(("snake_case",), lambda *args: read.append(args) or [])
    assert read == []  # not even asked
    assert search.whole_words(("pay",), lambda statement, params: [("pay",)])
    assert search.whole_words(("pay",), lambda statement, params: [])
    assert not search.whole_words(("pay",), lambda statement, params: [("pay",), ("payment",)])
    assert not search.whole_words(("pay",), lambda statement, params: [("payment",)])
