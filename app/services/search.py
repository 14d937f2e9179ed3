"""Full-text search over integrations behind one interface: SQLite FTS5 or PostgreSQL tsvector.

The index itself is kept in step by triggers (migration 0002). This module turns what a
person typed into a safe match expression (never the raw text: quotes, `*`, `-`, NEAR and
parentheses are FTS syntax) and gives the catalog query a relevance score to order by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Double, Select, bindparam, cast, func, literal_column, text

from ..models import Integration

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

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 40
_TERM = re.compile(r"[^\W_]+", re.UNICODE)

# bm25 column weights (SQLite): name, slug, publisher, description.
_SQLITE_WEIGHTS = (10.0, 4.0, 4.0, 1.0)


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse(q: str | None) -> SearchQuery:
    """Words only (letters and digits), lower-cased, bounded in number and length."""
    if not q:
        return SearchQuery(())
    terms: list[str] = []
    for match in _TERM.finditer(q[: MAX_QUERY_CHARS * 5]):
        term = match.group(0).lower()[:MAX_TERM_CHARS]
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return SearchQuery(tuple(terms))


def sqlite_match_expression(query: SearchQuery) -> str:
    # Every term quoted (so it is a plain string to FTS5) and matched as a prefix; all must match.
    return " ".join(f'"{term}"*' for term in query.terms)


def apply(select: Select, query: SearchQuery, dialect: str) -> tuple[Select, ColumnElement]:
    """Restrict `select` (over Integration) to matches; return it with a score, lower = better."""
    if dialect == "sqlite":
        weights = ", ".join(str(w) for w in _SQLITE_WEIGHTS)
        matches = (
            text(
                f"SELECT rowid AS fts_rowid, bm25(integrations_fts, {weights}) AS score "
                "FROM integrations_fts WHERE integrations_fts MATCH :fts_match"
            )
            .bindparams(fts_match=sqlite_match_expression(query))
            .columns(literal_column("fts_rowid"), literal_column("score"))
            .subquery("fts")
        )
        select = select.join_from(
            Integration.__table__, matches, matches.c.fts_rowid == literal_column("integrations.rowid")
        )
        return select, matches.c.score
    tsquery = _pg_tsquery(query)
    vector = literal_column("integrations.search_vector")
    select = select.where(vector.op("@@")(tsquery))
    # float8, so the score survives a round trip through a JSON cursor exactly.
    return select, -cast(func.ts_rank(vector, tsquery), Double())


def _pg_tsquery(query: SearchQuery) -> ColumnElement:
    # Each term as a prefix, in the 'simple' (names, slugs) and 'english' (stemmed
    # descriptions) configurations; a term matches if either does; all terms must match.
    combined = None
    for index, term in enumerate(query.terms):
        param = bindparam(f"tsterm_{index}", f"{term}:*")
        either = func.to_tsquery(literal_column("'simple'"), param).op("||")(
            func.to_tsquery(literal_column("'english'"), param)
        )
        combined = either if combined is None else combined.op("&&")(either)
    return combined


def matching_ids_clause(query: SearchQuery, dialect: str) -> ColumnElement[bool]:
    """A WHERE clause for Integration rows matching the query (used for facet counts)."""
    if dialect == "sqlite":
        return literal_column("integrations.rowid").in_(
            text("SELECT rowid FROM integrations_fts WHERE integrations_fts MATCH :fts_match")
            .bindparams(fts_match=sqlite_match_expression(query))
            .columns(literal_column("rowid"))
        )
    return literal_column("integrations.search_vector").op("@@")(_pg_tsquery(query))


__all__ = ["SearchQuery", "UNMANAGED_SCHEMA_NAMES", "apply", "matching_ids_clause", "parse"]
