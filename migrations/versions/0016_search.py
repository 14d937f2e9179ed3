"""search tolerates a typo; name sort ignores case

Revision ID: 0016_search
Revises: 0015_policy
Create Date: 2026-11-30

* Typo tolerance (app/services/catalog/search.py, app/domain/typos.py): an index of the
  trigrams of each integration's name, slug and publisher, which finds the candidates of a search
  word with one typo ("slak" -> Slack), then checked in Python.
  - SQLite: an FTS5 table `integrations_trgm` (tokenize 'trigram') keyed by the integrations
    rowid, kept in step by triggers as 0002's `integrations_fts` is.
  - PostgreSQL: the `pg_trgm` extension and a trigram GIN index on
    lower(name || ' ' || slug || ' ' || publisher), read by `word_similarity` (`<%`).
* Name sort ignores case ("Globex Sheets" before "Globex SMS"): the sort index becomes
  (lower(name), id); the catalog orders by that same expression.

Nothing here rebuilds the integrations table (0012's SQLite triggers stay); these objects are not
in the SQLAlchemy metadata (app.services.catalog.search.UNMANAGED_SCHEMA_NAMES).
"""

from alembic import op

revision = "0016_search"
down_revision = "0015_policy"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "integrations_trgm_ai": """
        CREATE TRIGGER integrations_trgm_ai AFTER INSERT ON integrations BEGIN
          INSERT INTO integrations_trgm(rowid, name, slug, publisher)
          VALUES (new.rowid, new.name, new.slug, new.publisher);
        END""",
    "integrations_trgm_ad": """
        CREATE TRIGGER integrations_trgm_ad AFTER DELETE ON integrations BEGIN
          DELETE FROM integrations_trgm WHERE rowid = old.rowid;
        END""",
    "integrations_trgm_au": """
        CREATE TRIGGER integrations_trgm_au AFTER UPDATE OF name, slug, publisher ON integrations BEGIN
          UPDATE integrations_trgm SET name = new.name, slug = new.slug, publisher = new.publisher
           WHERE rowid = new.rowid;
        END""",
}
PG_TRGM_EXPRESSION = "lower(name || ' ' || slug || ' ' || publisher)"


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.execute("DROP INDEX IF EXISTS ix_integrations_sort_name")
    op.execute("CREATE INDEX ix_integrations_sort_name_ci ON integrations (lower(name), id)")
    if _is_sqlite():
        op.execute(
            "CREATE VIRTUAL TABLE integrations_trgm USING fts5(name, slug, publisher, tokenize = 'trigram')"
        )
        op.execute(
            "INSERT INTO integrations_trgm(rowid, name, slug, publisher) "
            "SELECT rowid, name, slug, publisher FROM integrations"
        )
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"CREATE INDEX ix_integrations_trgm ON integrations USING gin (({PG_TRGM_EXPRESSION}) gin_trgm_ops) "
        "WITH (fastupdate = off)"
    )


def downgrade():
    if _is_sqlite():
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS integrations_trgm")
    else:
        op.execute("DROP INDEX IF EXISTS ix_integrations_trgm")
        # The extension stays: other objects of the database may have come to use it.
    op.execute("DROP INDEX IF EXISTS ix_integrations_sort_name_ci")
    op.execute("CREATE INDEX ix_integrations_sort_name ON integrations (name, id)")
