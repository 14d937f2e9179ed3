"""installs move the catalog's counts, not its listing generation

Revision ID: 0012_listing_generation
Revises: 0011_reviews
Create Date: 2026-11-29

Until now any write to an integration moved the catalog generation, so every install (an atomic
`install_count` update) emptied every process's search rankings and facet counts, and the first
search after it re-ranked every match. Now `catalog_state` keeps two sums:

* `generation` -- what decides a listing: which rows are listed to whom, their text, tier, order
  by name or date, versions (publish, visibility, yank, takedown, tier, metadata, rename). Rankings
  and facet counts are kept against it (they do not read install counts).
* `counts` -- moved by an update that changes `install_count` and nothing else. Whole pages (which
  show the counts and may sort by them) are kept against both sums.

An UPDATE of integrations moves `generation` unless it changed install_count and nothing else
(PostgreSQL compares whole rows, minus install_count, through the statement's transition tables;
SQLite compares every column the table has at this revision), and moves `counts` when it changed
install_count. Inserts and deletes move `generation` as before (0002), and so does any write to
integration_versions (0007).

`bump_listing_generation()` (PostgreSQL; the app calls it through
app.services.catalog.bump_listing_generation on both databases) moves the generation by hand: for
writes to tables the public pages read that no trigger here watches.

NOTE: on SQLite, a batch "recreate" of integrations drops these triggers; 0002's
rebuild_sqlite_search() then brings back its always-bump update trigger (correct, if slower: an
install empties the rankings again) until a migration runs upgrade()'s SQLite part again.
"""

from alembic import op
import sqlalchemy as sa

revision = "0012_listing_generation"
down_revision = "0011_reviews"
branch_labels = None
depends_on = None

SQLITE_BUMP = (
    "UPDATE catalog_state SET {column} = {column} + 1 + (abs(random()) % 1000000007) WHERE slot = 0;"
)
OLD_SQLITE_UPDATE = (
    "CREATE TRIGGER catalog_generation_au AFTER UPDATE ON integrations BEGIN "
    + SQLITE_BUMP.format(column="generation")
    + " END"
)

# A transaction bumps whichever slot nobody else holds (as 0002's bump_catalog_generation).
PG_BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION {name}() RETURNS void AS $$
BEGIN
  UPDATE catalog_state SET {column} = {column} + 1 + floor(random() * 1000000007)::bigint
   WHERE slot = (SELECT slot FROM catalog_state ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED);
  IF NOT FOUND THEN
    UPDATE catalog_state SET {column} = {column} + 1 + floor(random() * 1000000007)::bigint WHERE slot = 0;
  END IF;
END $$ LANGUAGE plpgsql"""

PG_UPDATE_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_integrations_updated() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (to_jsonb(o) - 'install_count') IS DISTINCT FROM (to_jsonb(n) - 'install_count'))
     OR (SELECT count(*) FROM old_rows) <> (SELECT count(*) FROM old_rows o JOIN new_rows n ON n.id = o.id) THEN
    PERFORM bump_listing_generation();
  END IF;
  IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.install_count IS DISTINCT FROM n.install_count) THEN
    PERFORM bump_catalog_counts();
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _sqlite_upgrade() -> None:
    columns = [
        row[1]
        for row in op.get_bind().exec_driver_sql("PRAGMA table_info(integrations)")
        if row[1] != "install_count"
    ]
    unchanged = " AND ".join(f"OLD.{name} IS NEW.{name}" for name in columns)
    op.execute("DROP TRIGGER IF EXISTS catalog_generation_au")
    op.execute(
        "CREATE TRIGGER catalog_listing_au AFTER UPDATE ON integrations "
        f"WHEN NOT (OLD.install_count IS NOT NEW.install_count AND {unchanged}) BEGIN "
        + SQLITE_BUMP.format(column="generation")
        + " END"
    )
    op.execute(
        "CREATE TRIGGER catalog_counts_au AFTER UPDATE OF install_count ON integrations "
        "WHEN OLD.install_count IS NOT NEW.install_count BEGIN "
        + SQLITE_BUMP.format(column="counts")
        + " END"
    )


def upgrade():
    op.add_column("catalog_state", sa.Column("counts", sa.BigInteger(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
        return
    op.execute(PG_BUMP_FUNCTION.format(name="bump_listing_generation", column="generation"))
    op.execute(PG_BUMP_FUNCTION.format(name="bump_catalog_counts", column="counts"))
    op.execute(PG_UPDATE_FUNCTION)
    op.execute("DROP TRIGGER IF EXISTS integrations_catalog_generation ON integrations")
    op.execute(
        "CREATE TRIGGER integrations_catalog_generation AFTER INSERT OR DELETE ON integrations "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
    )
    op.execute(
        "CREATE TRIGGER integrations_catalog_updated AFTER UPDATE ON integrations "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog_integrations_updated()"
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS catalog_counts_au")
        op.execute("DROP TRIGGER IF EXISTS catalog_listing_au")
        op.execute(OLD_SQLITE_UPDATE)
    else:
        op.execute("DROP TRIGGER IF EXISTS integrations_catalog_updated ON integrations")
        op.execute("DROP TRIGGER IF EXISTS integrations_catalog_generation ON integrations")
        op.execute(
            "CREATE TRIGGER integrations_catalog_generation AFTER INSERT OR UPDATE OR DELETE ON integrations "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
        )
        op.execute("DROP FUNCTION IF EXISTS catalog_integrations_updated()")
        op.execute("DROP FUNCTION IF EXISTS bump_catalog_counts()")
        op.execute("DROP FUNCTION IF EXISTS bump_listing_generation()")
    # A plain DROP COLUMN (SQLite 3.35+): a batch recreate of catalog_state would break the triggers naming it.
    op.execute("ALTER TABLE catalog_state DROP COLUMN counts")
