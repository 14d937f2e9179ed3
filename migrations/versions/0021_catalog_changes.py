"""which listings changed: a change log beside the listing generation

Revision ID: 0021_catalog_changes
Revises: 0020_webhooks
Create Date: 2026-11-30

Until now a move of the listing generation told a process only that *something* changed, so every
cached ranking, facet count and kept page was thrown away, and the first broad search after any
listing write re-ranked every match. Now the same triggers that move the generation (0002, 0007,
0012) also write the ids of the integrations they saw change to `catalog_changes`, in the same
transaction: a process that kept something at one generation asks which listings changed since,
and keeps what none of them touches (app/services/catalog/generation.py, `ChangeTracker`).

* `catalog_changes` -- one row per changed integration per write (`integration_id`; NULL: "anything
  may have changed", written by `bump_listing_generation()` and by a statement changing more than
  CHANGES_PER_STATEMENT rows). Ordered by `seq` on SQLite (one writer at a time: seq order is commit
  order) and by the writing transaction's id `tx` on PostgreSQL (a reader keeps its snapshot and
  asks for the rows that snapshot did not see: pg_visible_in_snapshot).
* `catalog_changes_pruned` -- the highest seq (SQLite) or tx (PostgreSQL) the periodic `purge` has
  deleted: a reader that might have needed a deleted row recomputes everything instead.

Every trigger that moves the listing generation writes a row, and every row comes with a move of
the generation: so two snapshots with the same generation saw the same rows.

On SQLite the triggers are re-created in place (never a batch recreate of integrations, which drops
them); `catalog_listing_au` now compares every column the table has at this revision.
"""

from alembic import op
import sqlalchemy as sa

revision = "0021_catalog_changes"
down_revision = "0020_webhooks"
branch_labels = None
depends_on = None

CHANGES_PER_STATEMENT = 1000

SQLITE_BUMP = "UPDATE catalog_state SET {column} = {column} + 1 + (abs(random()) % 1000000007) WHERE slot = 0;"
SQLITE_LOG = "INSERT INTO catalog_changes (integration_id) VALUES ({row}.{column});"


def _sqlite_triggers(log: bool) -> dict[str, str]:
    """The triggers that move the generation, as 0002/0007/0012 made them, with the log when `log`.
    0012's update trigger is kept as it stands (its column list is 0012's: a downgrade past a later
    column must find the trigger not naming it); only its log statement is added or taken out."""
    bump = SQLITE_BUMP.format(column="generation")

    def body(row: str, column: str) -> str:
        return bump + (" " + SQLITE_LOG.format(row=row, column=column) if log else "")

    triggers = {
        "catalog_generation_ai": f"CREATE TRIGGER catalog_generation_ai AFTER INSERT ON integrations BEGIN "
        f"{body('NEW', 'id')} END",
        "catalog_generation_ad": f"CREATE TRIGGER catalog_generation_ad AFTER DELETE ON integrations BEGIN "
        f"{body('OLD', 'id')} END",
    }
    for name, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE")):
        row = "OLD" if event == "DELETE" else "NEW"
        triggers[f"catalog_generation_versions_{name}"] = (
            f"CREATE TRIGGER catalog_generation_versions_{name} AFTER {event} ON integration_versions BEGIN "
            f"{body(row, 'integration_id')} END"
        )
    listing = op.get_bind().exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'catalog_listing_au'"
    ).scalar()
    logged = SQLITE_LOG.format(row="NEW", column="id")
    listing = listing.replace(" " + logged, "")
    if log:
        at = listing.rstrip().rfind("END")
        listing = listing[:at].rstrip() + " " + logged + " END"
    triggers["catalog_listing_au"] = listing
    return triggers


def _sqlite_recreate(log: bool) -> None:
    for name, sql in _sqlite_triggers(log).items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)


# The ids a statement changed, or one NULL row when it changed too many to list.
PG_LOG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION catalog_log_changes(ids text[]) RETURNS void AS $$
BEGIN
  IF cardinality(ids) > {CHANGES_PER_STATEMENT} THEN
    INSERT INTO catalog_changes (integration_id) VALUES (NULL);
  ELSIF cardinality(ids) > 0 THEN
    INSERT INTO catalog_changes (integration_id) SELECT DISTINCT unnest(ids);
  END IF;
END $$ LANGUAGE plpgsql"""

PG_ROWS_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_{name}_written() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM catalog_log_changes(ARRAY(SELECT {column}::text FROM old_rows));
  ELSE
    PERFORM catalog_log_changes(ARRAY(SELECT {column}::text FROM new_rows));
  END IF;
  PERFORM bump_listing_generation();
  RETURN NULL;
END $$ LANGUAGE plpgsql"""

# 0012's function, logging the rows whose listing changed (all but install_count compared).
PG_UPDATE_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_integrations_updated() RETURNS trigger AS $$
DECLARE
  changed text[];
BEGIN
  changed := ARRAY(SELECT n.id::text FROM old_rows o JOIN new_rows n ON n.id = o.id
                    WHERE (to_jsonb(o) - 'install_count') IS DISTINCT FROM (to_jsonb(n) - 'install_count'));
  IF (SELECT count(*) FROM old_rows) <> (SELECT count(*) FROM old_rows o JOIN new_rows n ON n.id = o.id) THEN
    PERFORM catalog_log_changes(ARRAY(SELECT id::text FROM old_rows UNION SELECT id::text FROM new_rows));
    PERFORM bump_listing_generation();
  ELSIF cardinality(changed) > 0 THEN
    PERFORM catalog_log_changes(changed);
    PERFORM bump_listing_generation();
  END IF;
  IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.install_count IS DISTINCT FROM n.install_count) THEN
    PERFORM bump_catalog_counts();
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""

OLD_PG_UPDATE_FUNCTION = """
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

# (trigger, table, event, transition table)
PG_TRIGGERS = (
    ("integrations_catalog_inserted", "integrations", "INSERT", "NEW TABLE AS new_rows", "integrations"),
    ("integrations_catalog_deleted", "integrations", "DELETE", "OLD TABLE AS old_rows", "integrations"),
    ("integration_versions_catalog_inserted", "integration_versions", "INSERT", "NEW TABLE AS new_rows", "versions"),
    (
        "integration_versions_catalog_updated",
        "integration_versions",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "versions",
    ),
    ("integration_versions_catalog_deleted", "integration_versions", "DELETE", "OLD TABLE AS old_rows", "versions"),
)


def _pg_upgrade() -> None:
    op.execute(PG_LOG_FUNCTION)
    op.execute(PG_ROWS_FUNCTION.format(name="integrations", column="id"))
    op.execute(PG_ROWS_FUNCTION.format(name="versions", column="integration_id"))
    op.execute(PG_UPDATE_FUNCTION)
    op.execute("DROP TRIGGER IF EXISTS integrations_catalog_generation ON integrations")
    op.execute("DROP TRIGGER IF EXISTS integration_versions_catalog_generation ON integration_versions")
    for trigger, table, event, referencing, function in PG_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION catalog_{function}_written()"
        )


def _pg_downgrade() -> None:
    for trigger, table, *_ in PG_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    op.execute(
        "CREATE TRIGGER integrations_catalog_generation AFTER INSERT OR DELETE ON integrations "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
    )
    op.execute(
        "CREATE TRIGGER integration_versions_catalog_generation AFTER INSERT OR UPDATE OR DELETE "
        "ON integration_versions FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_generation()"
    )
    op.execute(OLD_PG_UPDATE_FUNCTION)
    op.execute("DROP FUNCTION IF EXISTS catalog_integrations_written()")
    op.execute("DROP FUNCTION IF EXISTS catalog_versions_written()")
    op.execute("DROP FUNCTION IF EXISTS catalog_log_changes(text[])")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "catalog_changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("integration_id", sa.String(length=36), nullable=True),
        sa.Column(
            "tx",
            sa.BigInteger(),
            nullable=True,
            server_default=None if sqlite else sa.text("(pg_current_xact_id()::text::bigint)"),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_catalog_changes_created_at", "catalog_changes", ["created_at"])
    if not sqlite:
        op.create_index("ix_catalog_changes_tx", "catalog_changes", ["tx"])
    op.create_table(
        "catalog_changes_pruned",
        sa.Column("slot", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("below", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO catalog_changes_pruned (slot, below) VALUES (0, 0)")
    if sqlite:
        _sqlite_recreate(log=True)
    else:
        _pg_upgrade()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_recreate(log=False)
    else:
        _pg_downgrade()
    op.drop_table("catalog_changes_pruned")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_catalog_changes_tx", table_name="catalog_changes")
    op.drop_index("ix_catalog_changes_created_at", table_name="catalog_changes")
    op.drop_table("catalog_changes")
