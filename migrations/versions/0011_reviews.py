"""reviews before trust: versions and renames of listings above community wait for staff

Revision ID: 0011_reviews
Revises: 0010_reports
Create Date: 2026-11-29

integration_versions gains review_state (NULL for every existing version: published without review,
so live). The column is added in place (ALTER TABLE ... ADD COLUMN, no batch recreate), so SQLite keeps
the catalog-generation triggers of migration 0007.
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_reviews"
down_revision = "0010_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("integration_versions", sa.Column("review_state", sa.String(length=12), nullable=True))
    op.create_table(
        "listing_reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version_id", sa.String(length=36), nullable=True),
        sa.Column("previous_name", sa.String(length=100), nullable=True),
        sa.Column("proposed_name", sa.String(length=100), nullable=True),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("rereview_of", sa.String(length=36), nullable=True),
        sa.Column("rereview_note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('version', 'rename')", name=op.f("ck_listing_reviews_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'superseded')", name=op.f("ck_listing_reviews_status")
        ),
        sa.CheckConstraint(
            "(kind = 'version' AND version_id IS NOT NULL) OR (kind = 'rename' AND proposed_name IS NOT NULL)",
            name=op.f("ck_listing_reviews_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"], ["integrations.id"],
            name=op.f("fk_listing_reviews_integration_id_integrations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"],
            name=op.f("fk_listing_reviews_workspace_id_workspaces"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["integration_versions.id"],
            name=op.f("fk_listing_reviews_version_id_integration_versions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_listing_reviews_submitted_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_listing_reviews_decided_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["rereview_of"], ["listing_reviews.id"],
            name=op.f("fk_listing_reviews_rereview_of_listing_reviews"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_reviews")),
        sa.UniqueConstraint("rereview_of", name=op.f("uq_listing_reviews_rereview_of")),
    )
    with op.batch_alter_table("listing_reviews") as batch:
        batch.create_index(batch.f("ix_listing_reviews_integration_id"), ["integration_id"], unique=False)
        batch.create_index(batch.f("ix_listing_reviews_version_id"), ["version_id"], unique=False)
        batch.create_index("ix_listing_reviews_queue", ["status", "submitted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("listing_reviews") as batch:
        batch.drop_index("ix_listing_reviews_queue")
        batch.drop_index(batch.f("ix_listing_reviews_version_id"))
        batch.drop_index(batch.f("ix_listing_reviews_integration_id"))
    op.drop_table("listing_reviews")
    if op.get_bind().dialect.name == "sqlite":
        # DROP COLUMN in place (SQLite >= 3.35): a batch recreate would drop migration 0007's triggers.
        op.execute("ALTER TABLE integration_versions DROP COLUMN review_state")
    else:
        op.drop_column("integration_versions", "review_state")
