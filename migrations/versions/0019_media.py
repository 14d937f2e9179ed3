"""listing media (icons, screenshots) stored in the database, and publisher profiles

Revision ID: 0019_media
Revises: 0018_queue
Create Date: 2026-11-30

`media_files` holds re-encoded images, addressed by the SHA-256 of their bytes (no local disk: any
number of processes serve them). `listing_screenshots` orders up to five of them, with captions, per
listing. `integrations.icon_media` names the uploaded icon (added in place, no batch recreate, so
0012's SQLite triggers stay; no foreign key, which SQLite cannot add in place: the media service
never deletes a file something still names). `publisher_profiles` holds what /publishers/<handle>
shows, and the staff-set identity-verified mark.
"""

from alembic import op
import sqlalchemy as sa

revision = "0019_media"
down_revision = "0018_queue"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media_files",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("extension", sa.String(length=4), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("extension IN ('png', 'jpg', 'webp')", name=op.f("ck_media_files_extension")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media_files")),
    )
    op.create_table(
        "listing_screenshots",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=False),
        sa.Column("caption", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"], ["integrations.id"],
            name=op.f("fk_listing_screenshots_integration_id_integrations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_sha256"], ["media_files.sha256"],
            name=op.f("fk_listing_screenshots_media_sha256_media_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_screenshots")),
    )
    op.create_index(
        "ix_listing_screenshots_integration_id", "listing_screenshots", ["integration_id", "position"]
    )
    op.create_index("ix_listing_screenshots_media_sha256", "listing_screenshots", ["media_sha256"])
    op.add_column("integrations", sa.Column("icon_media", sa.String(length=64), nullable=True))
    op.create_index("ix_integrations_icon_media", "integrations", ["icon_media"])
    op.create_table(
        "publisher_profiles",
        sa.Column("handle", sa.String(length=39), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("website", sa.String(length=2048), nullable=True),
        sa.Column("support_contact", sa.String(length=2048), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handle"], ["publisher_namespaces.handle"],
            name=op.f("fk_publisher_profiles_handle_publisher_namespaces"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"],
            name=op.f("fk_publisher_profiles_verified_by_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("handle", name=op.f("pk_publisher_profiles")),
    )


def downgrade():
    op.drop_table("publisher_profiles")
    op.drop_index("ix_integrations_icon_media", table_name="integrations")
    # Plain DROP COLUMN (SQLite 3.35+): a batch recreate would drop 0012's triggers.
    op.execute("ALTER TABLE integrations DROP COLUMN icon_media")
    op.drop_index("ix_listing_screenshots_media_sha256", table_name="listing_screenshots")
    op.drop_index("ix_listing_screenshots_integration_id", table_name="listing_screenshots")
    op.drop_table("listing_screenshots")
    op.drop_table("media_files")
