"""publishing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Publishing:
* a partial index over the trash (soft-deleted integrations), which `flask purge` scans on
  every run;
* on PostgreSQL, `variables_schema` (integrations and integration_versions) becomes `json`
  instead of `jsonb`: jsonb reorders object keys, and the order of a schema's properties is
  the order of the install wizard's fields. The documents are only ever read whole.
Neither rebuilds a table on SQLite (where both columns already are JSON text), so the search
triggers of 0002 are untouched.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


ORDERED_TABLES = ("integrations", "integration_versions")


def _set_variables_schema_type(type_, cast: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ORDERED_TABLES:
        op.alter_column(table, "variables_schema", type_=type_, postgresql_using=f"variables_schema::{cast}")


def upgrade():
    _set_variables_schema_type(sa.JSON(), "json")
    op.create_index("ix_integrations_trash", "integrations", ["deleted_at"], unique=False,
                    sqlite_where=sa.text("deleted_at IS NOT NULL"), postgresql_where=sa.text("deleted_at IS NOT NULL"))


def downgrade():
    op.drop_index("ix_integrations_trash", table_name="integrations")
    _set_variables_schema_type(postgresql.JSONB(astext_type=sa.Text()), "jsonb")
