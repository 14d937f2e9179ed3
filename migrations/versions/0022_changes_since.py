"""the change log's read, planned once: catalog_changes_since()

Revision ID: 0022_changes_since
Revises: 0021_catalog_changes
Create Date: 2026-11-30

PostgreSQL only. A process reads the change log (0021) in one statement: the listing generation, its
snapshot, and the rows logged by transactions an earlier snapshot did not see (`tx >= xmin` of that
snapshot, not visible in it). Sent as a prepared statement, it was planned again on every execution:
with the snapshot's values the planner expects no row past `xmin`, without them a third of the table,
so it never settled on one plan for all values -- about 0.3 ms of planning for each first request
after a listing write. The same statement in a function with `plan_cache_mode = force_generic_plan`
is planned once per connection; that plan walks `ix_catalog_changes_tx` from `xmin`, as the others did.
(app/services/catalog/generation.py, `ChangeTracker`.)
"""

from alembic import op

revision = "0022_changes_since"
down_revision = "0021_catalog_changes"
branch_labels = None
depends_on = None

CHANGES_SINCE = """
CREATE FUNCTION catalog_changes_since(after text, after_seq bigint, max_rows integer)
RETURNS TABLE (g numeric, m text, p bigint, seq bigint, integration_id varchar)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  -- The listing generation, the mark (this statement's snapshot and the highest seq), the pruned mark,
  -- and the rows logged since the mark `after` (its snapshot; rows of the reader's own transaction,
  -- only ever in the test suite, by seq past `after_seq`).
  RETURN QUERY
  SELECT s.g, s.m::text || '|' || s.q, s.p, c.seq, c.integration_id FROM (SELECT
    (SELECT coalesce(sum(cs.generation), 0) FROM catalog_state AS cs WHERE cs.slot >= 0) AS g,
    pg_current_snapshot() AS m,
    (SELECT coalesce(max(cc.seq), 0) FROM catalog_changes AS cc) AS q,
    (SELECT coalesce(max(cp.below), 0) FROM catalog_changes_pruned AS cp) AS p) AS s
  LEFT JOIN catalog_changes AS c ON after <> ''
    AND c.tx >= pg_snapshot_xmin(CAST(nullif(after, '') AS pg_snapshot))::text::bigint
    AND CASE WHEN c.tx = coalesce(pg_current_xact_id_if_assigned()::text::bigint, -1)
      THEN c.seq > after_seq
      ELSE NOT pg_visible_in_snapshot(c.tx::text::xid8, CAST(nullif(after, '') AS pg_snapshot))
    END
  LIMIT max_rows;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CHANGES_SINCE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION catalog_changes_since(text, bigint, integer)")
