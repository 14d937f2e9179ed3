"""workspace install policies and members' install requests

Revision ID: 0015_policy
Revises: 0014_categories
Create Date: 2026-11-30

`workspace_policies`: one row per workspace that set a policy (none: every tier, no lists, members
may request). `install_requests`: a member asks the admins to install an integration; at most one
pending (open or approved) request per workspace and integration.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0015_policy"
down_revision = "0014_categories"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
PENDING = sa.text("status IN ('open', 'approved')")


def upgrade():
    op.create_table(
        "workspace_policies",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("min_trust_tier", sa.String(length=30), nullable=True),
        sa.Column("allow_list", JSON, nullable=False),
        sa.Column("block_list", JSON, nullable=False),
        sa.Column("members_may_request", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_policies_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_workspace_policies_updated_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_policies")),
    )
    op.create_table(
        "install_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("installation_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'approved', 'installed', 'denied')", name=op.f("ck_install_requests_status")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_install_requests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_install_requests_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_install_requests_requested_by_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_install_requests_decided_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_install_requests_installation_id_installations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_install_requests")),
    )
    op.create_index(op.f("ix_install_requests_workspace_id"), "install_requests", ["workspace_id"])
    op.create_index(op.f("ix_install_requests_integration_id"), "install_requests", ["integration_id"])
    op.create_index(op.f("ix_install_requests_requested_by"), "install_requests", ["requested_by"])
    op.create_index(
        "uq_install_requests_pending",
        "install_requests",
        ["workspace_id", "integration_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade():
    op.drop_index("uq_install_requests_pending", table_name="install_requests")
    op.drop_index(op.f("ix_install_requests_requested_by"), table_name="install_requests")
    op.drop_index(op.f("ix_install_requests_integration_id"), table_name="install_requests")
    op.drop_index(op.f("ix_install_requests_workspace_id"), table_name="install_requests")
    op.drop_table("install_requests")
    op.drop_table("workspace_policies")
