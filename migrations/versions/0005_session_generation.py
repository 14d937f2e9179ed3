"""session generation: logout, "sign out everywhere" and a password change end sessions on the server

Revision ID: 0005_sessions
Revises: 0004
Create Date: 2026-11-29

Every session and remember-me cookie carries the user's generation; bumping it refuses them all.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_sessions"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
