"""publishing

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Publishing: a partial index over the trash (soft-deleted integrations), which `flask purge`
scans on every run. Added with CREATE INDEX (no table rebuild), so the SQLite search
triggers of 0002 are untouched.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_integrations_trash", "integrations", ["deleted_at"], unique=False,
                    sqlite_where=sa.text("deleted_at IS NOT NULL"), postgresql_where=sa.text("deleted_at IS NOT NULL"))


def downgrade():
    op.drop_index("ix_integrations_trash", table_name="integrations")
