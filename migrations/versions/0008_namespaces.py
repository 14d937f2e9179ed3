"""namespaces: handle skeletons (no look-alikes), staff-reserved handles, grants, per-workspace caps

Revision ID: 0008_namespaces
Revises: 0007
Create Date: 2026-11-29

Backfills each existing handle's skeleton. Where handles claimed earlier already look alike, the
first claimed keeps the skeleton and the later ones keep NULL: they stay, and nothing new may
look like any of them.
"""
from alembic import op
import sqlalchemy as sa

from app.domain.namespaces import handle_skeleton

revision = "0008_namespaces"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("handle_limit", sa.Integer(), nullable=True))
    with op.batch_alter_table("publisher_namespaces") as batch:
        batch.add_column(sa.Column("skeleton", sa.String(length=100), nullable=True))

    namespaces = sa.table(
        "publisher_namespaces", sa.column("handle", sa.String), sa.column("skeleton", sa.String),
        sa.column("claimed_at", sa.DateTime),
    )
    connection = op.get_bind()
    seen = set()
    rows = connection.execute(
        sa.select(namespaces.c.handle).order_by(namespaces.c.claimed_at, namespaces.c.handle)
    )
    for (handle,) in list(rows):
        skeleton = handle_skeleton(handle)
        if skeleton in seen:
            continue
        seen.add(skeleton)
        connection.execute(
            namespaces.update().where(namespaces.c.handle == handle).values(skeleton=skeleton)
        )
    with op.batch_alter_table("publisher_namespaces") as batch:
        batch.create_unique_constraint(batch.f("uq_publisher_namespaces_skeleton"), ["skeleton"])

    op.create_table(
        "reserved_handles",
        sa.Column("handle", sa.String(length=39), nullable=False),
        sa.Column("skeleton", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_reserved_handles_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("handle", name=op.f("pk_reserved_handles")),
    )
    with op.batch_alter_table("reserved_handles") as batch:
        batch.create_index(batch.f("ix_reserved_handles_skeleton"), ["skeleton"], unique=False)

    op.create_table(
        "handle_grants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("handle", sa.String(length=39), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("granted_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_handle_grants_granted_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_handle_grants_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handle_grants")),
        sa.UniqueConstraint("handle", name=op.f("uq_handle_grants_handle")),
    )
    with op.batch_alter_table("handle_grants") as batch:
        batch.create_index(batch.f("ix_handle_grants_workspace_id"), ["workspace_id"], unique=False)


def downgrade():
    with op.batch_alter_table("handle_grants") as batch:
        batch.drop_index(batch.f("ix_handle_grants_workspace_id"))
    op.drop_table("handle_grants")
    with op.batch_alter_table("reserved_handles") as batch:
        batch.drop_index(batch.f("ix_reserved_handles_skeleton"))
    op.drop_table("reserved_handles")
    with op.batch_alter_table("publisher_namespaces") as batch:
        batch.drop_constraint(batch.f("uq_publisher_namespaces_skeleton"), type_="unique")
        batch.drop_column("skeleton")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("handle_limit")
