"""reports and takedowns: listing reports with their triage, takedown decisions with one re-review

Revision ID: 0010_reports
Revises: 0009_accounts_mail
Create Date: 2026-11-29

A listing taken down before this revision gets its takedown row (policy "other", no public notice:
whether its URL was public then is not known), so its publisher may still ask for a re-review.
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = "0010_reports"
down_revision = "0009_accounts_mail"
branch_labels = None
depends_on = None

CATEGORIES = "'security', 'impersonation', 'broken', 'spam', 'legal', 'other'"


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def upgrade():
    op.create_table(
        "takedowns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("policy", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("public_notice", sa.Boolean(), nullable=False),
        sa.Column("taken_down_by", sa.String(length=36), nullable=True),
        sa.Column("taken_down_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=36), nullable=True),
        sa.Column("rereview_status", sa.String(length=10), nullable=True),
        sa.Column("rereview_message", sa.Text(), nullable=True),
        sa.Column("rereview_requested_by", sa.String(length=36), nullable=True),
        sa.Column("rereview_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rereview_note", sa.Text(), nullable=True),
        sa.Column("rereview_decided_by", sa.String(length=36), nullable=True),
        sa.Column("rereview_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"policy IN ({CATEGORIES})", name=op.f("ck_takedowns_policy")),
        sa.CheckConstraint(
            "rereview_status IS NULL OR rereview_status IN ('pending', 'upheld', 'lifted')",
            name=op.f("ck_takedowns_rereview_status"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_takedowns_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        _user_fk("takedowns", "lifted_by"),
        _user_fk("takedowns", "rereview_decided_by"),
        _user_fk("takedowns", "rereview_requested_by"),
        _user_fk("takedowns", "taken_down_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takedowns")),
    )
    op.create_index(op.f("ix_takedowns_integration_id"), "takedowns", ["integration_id"])

    op.create_table(
        "listing_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("reporter_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("staff_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("takedown_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f("ck_listing_reports_category")),
        sa.CheckConstraint(
            "status IN ('open', 'actioned', 'dismissed')", name=op.f("ck_listing_reports_status")
        ),
        _user_fk("listing_reports", "decided_by"),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_listing_reports_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        _user_fk("listing_reports", "reporter_id"),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["takedowns.id"],
            name=op.f("fk_listing_reports_takedown_id_takedowns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_reports")),
    )
    op.create_index(op.f("ix_listing_reports_integration_id"), "listing_reports", ["integration_id"])
    op.create_index(op.f("ix_listing_reports_reporter_id"), "listing_reports", ["reporter_id"])
    op.create_index("ix_listing_reports_status_created", "listing_reports", ["status", "created_at"])

    bind = op.get_bind()
    taken_down = bind.execute(
        sa.text("SELECT id, takedown_note, taken_down_at FROM integrations WHERE taken_down_at IS NOT NULL")
    ).all()
    takedowns = sa.table(
        "takedowns",
        *(sa.column(name) for name in ("id", "integration_id", "policy", "note", "public_notice")),
        *(sa.column(name, sa.DateTime(timezone=True)) for name in ("taken_down_at", "created_at", "updated_at")),
    )
    for integration_id, note, at in taken_down:
        op.execute(
            takedowns.insert().values(
                id=str(uuid.uuid4()),
                integration_id=integration_id,
                policy="other",
                note=note or "Taken down by marketplace staff.",
                public_notice=False,
                taken_down_at=at,
                created_at=at,
                updated_at=at,
            )
        )


def downgrade():
    op.drop_index("ix_listing_reports_status_created", table_name="listing_reports")
    op.drop_index(op.f("ix_listing_reports_reporter_id"), table_name="listing_reports")
    op.drop_index(op.f("ix_listing_reports_integration_id"), table_name="listing_reports")
    op.drop_table("listing_reports")
    op.drop_index(op.f("ix_takedowns_integration_id"), table_name="takedowns")
    op.drop_table("takedowns")
