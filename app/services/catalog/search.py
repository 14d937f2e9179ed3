"""Text matching per dialect: SQLite FTS5 or PostgreSQL tsvector, behind one interface.

Decides: which integrations a query's words match, and the text score the ranking blends in
(lower is better; app/domain/relevance.py); and, for a search that finds few, the candidates of a
match with one typo per word (`typo_candidates`: an FTS5 trigram table on SQLite, pg_trgm's
word similarity on PostgreSQL; migration 0014), which app/domain/typos.py then checks. It receives
the words already normalised (`query.search_terms`: never the raw text, since quotes, `*`, `-`, NEAR
and parentheses are FTS syntax) and a statement already built (`query.listing_statement`); the
indexes are kept in step by triggers (migrations 0002 and 0014).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, Double, Select, bindparam, case, cast, func, literal_column, or_, text

from ...models import Integration

# Objects migration 0002 creates with raw SQL; autogenerate must not call them drift.
UNMANAGED_SCHEMA_NAMES = frozenset(
    {
        "integrations_fts",
        "integrations_fts_data",
        "integrations_fts_idx",
        "integrations_fts_content",
        "integrations_fts_docsize",
        "integrations_fts_config",
        "catalog_state",
        "search_vector",
        "ix_integrations_search_vector",
        # Migration 0014: typo tolerance's trigram index, and the case-insensitive name sort's index.
        "integrations_trgm",
        "integrations_trgm_data",
        "integrations_trgm_idx",
        "integrations_trgm_content",
        "integrations_trgm_docsize",
        "integrations_trgm_config",
        "ix_integrations_trgm",
        "ix_integrations_sort_name_ci",
        # Migration 0021: which listings changed (written by the generation's triggers).
        "catalog_changes",
        "catalog_changes_pruned",
        "ix_catalog_changes_created_at",
        "ix_catalog_changes_tx",
        # Migration 0023: the words of integrations_fts (SQLite).
        "integrations_fts_vocab",
    }
)

# bm25 column weights (SQLite): name, slug, publisher, description.
SQLITE_WEIGHTS = (10.0, 4.0, 4.0, 1.0)


def sqlite_match_expression(terms: tuple[str, ...], *, prefix: bool = True) -> str:
    """Every term quoted (so it is a plain string to FTS5) and matched as a prefix (or, not `prefix`, as
    the word itself: `whole_words`); all must match."""
    star = "*" if prefix else ""
    return " ".join(f'"{term}"{star}' for term in terms)


def matched(
    stmt: Select, terms: tuple[str, ...], dialect: str, *, prefix: bool = True
) -> tuple[Select, ColumnElement]:
    """Restrict `stmt` (over integrations) to matches; return it with a score, lower = better. SQLite,
    not `prefix`: each term matched as a word (only where `whole_words` says that is the same)."""
    if dialect == "sqlite":
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        matches = (
            text(
                f"SELECT rowid AS fts_rowid, bm25(integrations_fts, {weights}) AS score "
                "FROM integrations_fts WHERE integrations_fts MATCH :fts_match"
            )
            .bindparams(fts_match=sqlite_match_expression(terms, prefix=prefix))
            .columns(literal_column("fts_rowid"), literal_column("score"))
            .subquery("fts")
        )
        stmt = stmt.join_from(
            Integration.__table__, matches, matches.c.fts_rowid == literal_column("integrations.rowid")
        )
        return stmt, matches.c.score
    tsquery = _pg_tsquery(terms)
    vector = literal_column("integrations.search_vector")
    stmt = stmt.where(vector.op("@@")(tsquery))
    # float8, so the score survives a round trip through a JSON cursor exactly.
    return stmt, -cast(func.ts_rank(vector, tsquery), Double())


# -- a prefix that is one whole word (SQLite) -------------------------------------------------------
#
# A search matches each of its terms as a prefix: "pay" finds "pay", "payment" and "payments". FTS5
# answers a prefix by first gathering the rows of every indexed word that begins with it: to score one
# row (a ranking's patch), that is most of the cost, twice over (the match, and bm25's count of the
# rows holding it). Where the index holds no word beginning with a term but the term itself, the term
# matched as a word finds the very same rows with the very same scores (the same rows hold it, as often)
# for a fraction of that.

_WORDS_BEGINNING = text("SELECT term FROM integrations_fts_vocab WHERE term >= :low AND term < :high LIMIT 2")
_PLAIN_TERM = re.compile(r"[0-9a-z]+")


def whole_words(terms: tuple[str, ...], read) -> bool:
    """SQLite: whether the search index holds no word that begins with any of the terms but the term
    itself (`read(statement, params)`: rows, in the snapshot the caller ranks in). Told for plain ASCII
    terms only (their fold is the same in Python and in FTS5); any other is not a whole word here."""
    for term in terms:
        if not _PLAIN_TERM.fullmatch(term):
            return False
        after = term[:-1] + chr(ord(term[-1]) + 1)  # the first string past every one beginning with it
        if any(row[0] != term for row in read(_WORDS_BEGINNING, {"low": term, "high": after})):
            return False
    return True


def may_add_words(terms: tuple[str, ...], texts) -> bool:
    """Whether the `texts` (what the index holds of a listing: name, slug, publisher, description) might
    put a word into the index that begins with one of the terms and is longer. Read as FTS5's unicode61
    tokenizer reads them (case folded, diacritics removed), erring towards "might": after an occurrence
    of a term, only an ASCII character other than a letter or digit surely ends the word (every one is
    a separator there); any other character might carry it on."""
    folded = _folded(" ".join(each for each in texts if each))
    for term in terms:
        at = folded.find(term)
        while at != -1:
            end = at + len(term)
            if end < len(folded) and (not folded[end].isascii() or folded[end].isalnum()):
                return True
            at = folded.find(term, at + 1)
    return False


def _folded(value: str) -> str:
    if value.isascii():
        return value.lower()
    decomposed = unicodedata.normalize("NFD", value.lower())  # canonical, as FTS5 removes diacritics
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


EXACT_FIRST = 1000.0  # past any text score: bm25's and -ts_rank's alike


def exact_first(score: ColumnElement, terms: tuple[str, ...]) -> ColumnElement:
    """The SQL path's order (searches matching too many rows to rank in Python): exact name, slug or
    publisher matches first, then the text score (lower is better). The ranking's blend
    (app/domain/relevance.py) needs every match's score relative to the best, so it is not applied
    here; this keeps its first rule, in SQL."""
    table = Integration.__table__.c
    spaced, hyphenated = " ".join(terms), "-".join(terms)
    exact = or_(func.lower(table.name) == spaced, table.slug == hyphenated, table.publisher == hyphenated)
    return score - case((exact, EXACT_FIRST), else_=0.0)


def matching_clause(
    terms: tuple[str, ...], dialect: str, typo_ids: tuple[str, ...] = ()
) -> ColumnElement[bool]:
    """A WHERE clause for integration rows matching the words, unscored (for counting, and for the
    sorts other than relevance); `typo_ids`: the rows the ranking found by tolerating a typo."""
    if dialect == "sqlite":
        clause = literal_column("integrations.rowid").in_(
            text("SELECT rowid FROM integrations_fts WHERE integrations_fts MATCH :fts_match")
            .bindparams(fts_match=sqlite_match_expression(terms))
            .columns(literal_column("rowid"))
        )
    else:
        clause = literal_column("integrations.search_vector").op("@@")(_pg_tsquery(terms))
    if typo_ids:
        clause = or_(clause, Integration.__table__.c.id.in_(typo_ids))
    return clause


def _pg_tsquery(terms: tuple[str, ...]) -> ColumnElement:
    # Each term as a prefix, in the 'simple' (names, slugs) and 'english' (stemmed
    # descriptions) configurations; a term matches if either does; all terms must match.
    combined = None
    for index, term in enumerate(terms):
        param = bindparam(f"tsterm_{index}", f"{term}:*")
        either = func.to_tsquery(literal_column("'simple'"), param).op("||")(
            func.to_tsquery(literal_column("'english'"), param)
        )
        combined = either if combined is None else combined.op("&&")(either)
    return combined


# -- one typo: candidates from the trigram index ----------------------------------------------------

TYPO_CANDIDATES = 500  # best trigram matches checked in Python, per search
_PG_TRGM_TEXT = literal_column(
    "lower(integrations.name || ' ' || integrations.slug || ' ' || integrations.publisher)"
)  # exactly migration 0014's index expression, so the index serves it


def trigrams(terms: tuple[str, ...]) -> list[str]:
    """The distinct three-character pieces of every term of three characters or more."""
    grams: list[str] = []
    for term in terms:
        for i in range(len(term) - 2):
            gram = term[i : i + 3]
            if gram not in grams:
                grams.append(gram)
    return grams


def typo_candidates(stmt: Select, terms: tuple[str, ...], dialect: str) -> Select | None:
    """`stmt` (over integrations) narrowed to rows sharing trigrams with the terms, at most
    TYPO_CANDIDATES of them; None when no term is long enough to have trigrams. The caller checks
    each candidate (app/domain/typos.py): sharing trigrams is not being one typo away."""
    grams = trigrams(terms)
    if not grams:
        return None
    if dialect == "sqlite":
        candidates = (
            text(
                "SELECT rowid AS trgm_rowid, rank AS trgm_rank FROM integrations_trgm "
                "WHERE integrations_trgm MATCH :trgm_match"
            )
            .bindparams(trgm_match=" OR ".join(f'"{gram}"' for gram in grams))
            .columns(literal_column("trgm_rowid"), literal_column("trgm_rank"))
            .subquery("trgm")
        )
        # The limit applies after the caller's filters (visibility), so unlisted rows never crowd out.
        return (
            stmt.join_from(
                Integration.__table__,
                candidates,
                candidates.c.trgm_rowid == literal_column("integrations.rowid"),
            )
            .order_by(candidates.c.trgm_rank, Integration.__table__.c.id)
            .limit(TYPO_CANDIDATES)
        )
    # pg_trgm's GIN index serves each LIKE '%abc%'; the best by word similarity are checked first.
    shared = [_PG_TRGM_TEXT.like(bindparam(f"trgm_{i}", f"%{gram}%")) for i, gram in enumerate(grams)]
    similarity = None
    for i, term in enumerate(terms):
        one = func.word_similarity(bindparam(f"trgm_term_{i}", term), _PG_TRGM_TEXT)
        similarity = one if similarity is None else similarity + one
    return (
        stmt.where(or_(*shared))
        .order_by(similarity.desc(), Integration.__table__.c.id)
        .limit(TYPO_CANDIDATES)
    )
