"""catalog search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The catalog's full-text index, its "catalog generation" counter and the indexes
matching the catalog's sort orders. Everything search-related is kept in step by
database triggers, so it stays right whichever service (or raw SQL) writes an
integration:

* SQLite: an FTS5 table `integrations_fts` keyed by the integrations rowid.
* PostgreSQL: a `search_vector` tsvector column (not in the SQLAlchemy model)
  filled by a BEFORE trigger, weighted name (A) > slug, publisher (B) >
  description (C), with a GIN index.
* Both: `catalog_state`, slots whose summed `generation` changes (by a random
  step, so a rolled-back change never recreates an old value) on every write to
  integrations. App processes validate their facet-count caches against it.

These objects are not in the SQLAlchemy metadata; migrations/env.py excludes them
from autogenerate by the names in app.services.catalog.search.UNMANAGED_SCHEMA_NAMES.

NOTE for later migrations: on SQLite, a batch "recreate" of the integrations table
drops its triggers (and may renumber rowids). Such a migration must end with
`rebuild_sqlite_search()` from this module.
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SORT_INDEXES = {
    "ix_integrations_sort_name": ["name", "id"],
    "ix_integrations_sort_updated": ["updated_at", "id"],
    "ix_integrations_sort_installs": ["install_count", "id"],
    # A signed-in member's private tier counts: their workspaces' private rows only, grouped by tier.
    "ix_integrations_workspace_listing": ["workspace_id", "visibility", "trust_tier"],
}

SQLITE_TRIGGERS = {
    "integrations_fts_ai": """
        CREATE TRIGGER integrations_fts_ai AFTER INSERT ON integrations BEGIN
          INSERT INTO integrations_fts(rowid, name, slug, publisher, description)
          VALUES (new.rowid, new.name, new.slug, new.publisher, coalesce(new.description, ''));
        END""",
    "integrations_fts_ad": """
        CREATE TRIGGER integrations_fts_ad AFTER DELETE ON integrations BEGIN
          DELETE FROM integrations_fts WHERE rowid = old.rowid;
        END""",
    "integrations_fts_au": """
        CREATE TRIGGER integrations_fts_au AFTER UPDATE OF name, slug, publisher, description ON integrations BEGIN
          UPDATE integrations_fts SET name = new.name, slug = new.slug, publisher = new.publisher,
                 description = coalesce(new.description, '') WHERE rowid = new.rowid;
        END""",
}
for _event, _name in (("INSERT", "ai"), ("UPDATE", "au"), ("DELETE", "ad")):
    SQLITE_TRIGGERS[f"catalog_generation_{_name}"] = f"""
        CREATE TRIGGER catalog_generation_{_name} AFTER {_event} ON integrations BEGIN
          UPDATE catalog_state SET generation = generation + 1 + (abs(random()) % 1000000007) WHERE slot = 0;
        END"""

PG_SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION integrations_search_vector_update() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('simple', coalesce(NEW.name, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(NEW.slug, '') || ' ' || replace(coalesce(NEW.slug, ''), '-', ' ')
                                    || ' ' || coalesce(NEW.publisher, '')), 'B') ||
    setweight(to_tsvector('english', left(coalesce(NEW.description, ''), 100000)), 'C');
  RETURN NEW;
END $$ LANGUAGE plpgsql"""

# A transaction bumps whichever slot nobody else holds, so concurrent writers never
# queue (or deadlock) on one counter row; readers sum the slots in one snapshot.
PG_GENERATION_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_catalog_generation() RETURNS trigger AS $$
BEGIN
  UPDATE catalog_state SET generation = generation + 1 + floor(random() * 1000000007)::bigint
   WHERE slot = (SELECT slot FROM catalog_state ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED);
  IF NOT FOUND THEN
    UPDATE catalog_state SET generation = generation + 1 + floor(random() * 1000000007)::bigint WHERE slot = 0;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""
PG_SLOTS = 16


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def rebuild_sqlite_search() -> None:
    """(Re)create the SQLite FTS table and triggers and refill the index from integrations."""
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS integrations_fts")
    op.execute(
        "CREATE VIRTUAL TABLE integrations_fts USING fts5("
        "name, slug, publisher, description, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        "INSERT INTO integrations_fts(rowid, name, slug, publisher, description) "
        "SELECT rowid, name, slug, publisher, coalesce(description, '') FROM integrations"
    )
    for sql in SQLITE_TRIGGERS.values():
        op.execute(sql)


def upgrade():
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        for name, columns in SORT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    op.create_table(
        "catalog_state",
        sa.Column("slot", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("generation", sa.BigInteger(), nullable=False, server_default="0"),
    )
    if _is_sqlite():
        op.execute("INSERT INTO catalog_state (slot, generation) VALUES (0, 0)")
        rebuild_sqlite_search()
        return
    # Every write updates a slot: a low fillfactor keeps those updates HOT, pruned within the page,
    # so the table readers scan on every catalog request stays one page long.
    op.execute("ALTER TABLE catalog_state SET (fillfactor = 10)")
    op.execute(f"INSERT INTO catalog_state (slot, generation) SELECT g, 0 FROM generate_series(0, {PG_SLOTS - 1}) g")
    op.execute("ALTER TABLE integrations ADD COLUMN search_vector tsvector")
    op.execute(PG_SEARCH_FUNCTION)
    op.execute(
        "CREATE TRIGGER integrations_search_vector BEFORE INSERT OR UPDATE OF name, slug, publisher, description "
        "ON integrations FOR EACH ROW EXECUTE FUNCTION integrations_search_vector_update()"
    )
    op.execute("UPDATE integrations SET name = name")
    # fastupdate off: searches never scan a long pending list between vacuums (writes are rare here).
    op.execute("CREATE INDEX ix_integrations_search_vector ON integrations USING gin (search_vector) "
               "WITH (fastupdate = off)")
    op.execute(PG_GENERATION_FUNCTION)
    op.execute(
        "CREATE TRIGGER integrations_catalog_generation AFTER INSERT OR UPDATE OR DELETE ON integrations "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
    )


def downgrade():
    if _is_sqlite():
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS integrations_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS integrations_catalog_generation ON integrations")
        op.execute("DROP FUNCTION IF EXISTS bump_catalog_generation()")
        op.execute("DROP TRIGGER IF EXISTS integrations_search_vector ON integrations")
        op.execute("DROP FUNCTION IF EXISTS integrations_search_vector_update()")
        op.execute("DROP INDEX IF EXISTS ix_integrations_search_vector")
        op.execute("ALTER TABLE integrations DROP COLUMN IF EXISTS search_vector")
    op.drop_table("catalog_state")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        for name in reversed(list(SORT_INDEXES)):
            batch_op.drop_index(name)
