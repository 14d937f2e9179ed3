"""Text matching per dialect: SQLite FTS5 or PostgreSQL tsvector, behind one interface.

Decides: which integrations a query's words match, and the relevance score they are ranked by
(lower is better). It receives the words already normalised (`query.search_terms`: never the raw
text, since quotes, `*`, `-`, NEAR and parentheses are FTS syntax) and a statement already built
(`query.listing_statement`); the index itself is kept in step by triggers (migration 0002).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Double, Select, bindparam, cast, func, literal_column, text

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
    }
)

# bm25 column weights (SQLite): name, slug, publisher, description.
SQLITE_WEIGHTS = (10.0, 4.0, 4.0, 1.0)


def sqlite_match_expression(terms: tuple[str, ...]) -> str:
    """Every term quoted (so it is a plain string to FTS5) and matched as a prefix; all must match."""
    return " ".join(f'"{term}"*' for term in terms)


def matched(stmt: Select, terms: tuple[str, ...], dialect: str) -> tuple[Select, ColumnElement]:
    """Restrict `stmt` (over integrations) to matches; return it with a score, lower = better."""
    if dialect == "sqlite":
        weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
        matches = (
            text(
                f"SELECT rowid AS fts_rowid, bm25(integrations_fts, {weights}) AS score "
                "FROM integrations_fts WHERE integrations_fts MATCH :fts_match"
            )
            .bindparams(fts_match=sqlite_match_expression(terms))
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


def matching_clause(terms: tuple[str, ...], dialect: str) -> ColumnElement[bool]:
    """A WHERE clause for integration rows matching the words, unscored (for counting)."""
    if dialect == "sqlite":
        return literal_column("integrations.rowid").in_(
            text("SELECT rowid FROM integrations_fts WHERE integrations_fts MATCH :fts_match")
            .bindparams(fts_match=sqlite_match_expression(terms))
            .columns(literal_column("rowid"))
        )
    return literal_column("integrations.search_vector").op("@@")(_pg_tsquery(terms))


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
