"""install wizard: storage of the bundled demo OAuth2 provider

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

The wizard itself lives in tables of 0001 (installations, installation_members,
credentials, wizard_sessions). The demo OAuth2 authorization server (development and
tests only) keeps its authorization codes and tokens here, hashed, so it works across
app processes.
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "demo_oauth_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("user_ref", sa.String(length=254), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_oauth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_demo_oauth_codes_code_hash")),
    )
    op.create_table(
        "demo_oauth_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("user_ref", sa.String(length=254), nullable=False),
        sa.Column("token_type", sa.String(length=20), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_in", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_oauth_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_demo_oauth_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_demo_oauth_tokens_refresh_token_hash")),
    )


def downgrade():
    op.drop_table("demo_oauth_tokens")
    op.drop_table("demo_oauth_codes")
