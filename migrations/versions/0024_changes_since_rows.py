"""the change log's function says it returns about one row: catalog_changes_since() ROWS 1

Revision ID: 0024_changes_since_rows
Revises: 0023_fts_vocabulary
Create Date: 2026-11-30

PostgreSQL only. The first request after a listing write reads the change log (0022's function) with,
beside each logged listing, that listing's row as the request's search reads it (a LATERAL join:
app/services/catalog/generation.py, `riding`). Planned for the default thousand rows a function is
assumed to return, that read's generic plan hashed the whole integrations table (21 ms); a read
follows one write, or a few, so the function is declared to return about one row, and the join walks
the primary key (0.3 ms).
"""

from alembic import op

revision = "0024_changes_since_rows"
down_revision = "0023_fts_vocabulary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION catalog_changes_since(text, bigint, integer) ROWS 1")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER FUNCTION catalog_changes_since(text, bigint, integer) ROWS 1000")
