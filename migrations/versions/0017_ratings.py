"""people's ratings of integrations, their flags; install counts count distinct outside accounts

Revision ID: 0017_ratings
Revises: 0016_search
Create Date: 2026-11-30

`ratings` (one per person per integration: stars 1-5, text, the version their workspace ran, the
publisher's one reply, staff hiding with a reason) and `rating_flags` (one per person per rating).
`integrations.rating_count` / `rating_total` (0013) are kept by the rating service.

`install_count` now counts distinct installing accounts outside the publisher's workspace (live
installations not in the publisher's workspace, by accounts that are not its members): recomputed
here once for existing rows (an UPDATE of install_count alone: only the counts sum moves).
"""

from alembic import op
import sqlalchemy as sa

revision = "0017_ratings"
down_revision = "0016_search"
branch_labels = None
depends_on = None

RECOUNT = """
UPDATE integrations SET install_count = (
  SELECT count(DISTINCT i.installed_by) FROM installations i
   WHERE i.integration_id = integrations.id
     AND i.status IN ('active', 'needs_attention')
     AND i.installed_by IS NOT NULL
     AND i.workspace_id <> integrations.workspace_id
     AND NOT EXISTS (SELECT 1 FROM memberships m
                      WHERE m.workspace_id = integrations.workspace_id AND m.user_id = i.installed_by))
"""


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "ratings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=True),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_body", sa.Text(), nullable=True),
        sa.Column("reply_by", sa.String(length=36), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.String(length=36), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_ratings_stars")),
        _fk("ratings", "integration_id", "integrations", "CASCADE"),
        _fk("ratings", "user_id", "users", "CASCADE"),
        _fk("ratings", "workspace_id", "workspaces", "SET NULL"),
        _fk("ratings", "reply_by", "users", "SET NULL"),
        _fk("ratings", "hidden_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("integration_id", "user_id", name=op.f("uq_ratings_integration_id_user_id")),
    )
    op.create_index(op.f("ix_ratings_user_id"), "ratings", ["user_id"])
    op.create_index("ix_ratings_listing_newest", "ratings", ["integration_id", "created_at", "id"])
    op.create_index("ix_ratings_flag_count", "ratings", ["flag_count"])
    op.create_table(
        "rating_flags",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rating_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("rating_flags", "rating_id", "ratings", "CASCADE"),
        _fk("rating_flags", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_flags")),
        sa.UniqueConstraint("rating_id", "user_id", name=op.f("uq_rating_flags_rating_id_user_id")),
    )
    op.create_index(op.f("ix_rating_flags_user_id"), "rating_flags", ["user_id"])
    op.execute(RECOUNT)


def downgrade():
    op.drop_index(op.f("ix_rating_flags_user_id"), table_name="rating_flags")
    op.drop_table("rating_flags")
    op.drop_index("ix_ratings_flag_count", table_name="ratings")
    op.drop_index("ix_ratings_listing_newest", table_name="ratings")
    op.drop_index(op.f("ix_ratings_user_id"), table_name="ratings")
    op.drop_table("ratings")
