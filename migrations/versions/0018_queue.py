"""the job queue: mail waiting to be sent, token refresh claims

Revision ID: 0018_queue
Revises: 0017_ratings
Create Date: 2026-11-30

Mail is sent by the Huey job queue after the request that wrote it commits: `mail_queue` holds
each message until it is out (body encrypted; the row is deleted once sent). `claimed_until` is
the claim a sender takes with an atomic UPDATE ... WHERE, so several consumers never send one
message twice at once, and the backoff after a failed attempt. Credentials gain the same kind of
claim for token refresh (`refresh_claimed_until`), when they were last refreshed, and why the
provider refused a refresh (`reauth_reason`: an OAuth2 error class; the installation then needs
re-authorisation). Installations keep their last connection test (authConfig.test): when, whether it
passed, what came back, and the claim of the check that runs it. Added in place with ADD COLUMN.
"""

from alembic import op
import sqlalchemy as sa


revision = "0018_queue"
down_revision = "0017_ratings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_queue")),
    )
    op.create_index(op.f("ix_mail_queue_claimed_until"), "mail_queue", ["claimed_until"])
    op.add_column("credentials", sa.Column("refresh_claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("credentials", sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("credentials", sa.Column("reauth_reason", sa.String(40), nullable=True))
    op.add_column("installations", sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("installations", sa.Column("check_ok", sa.Boolean(), nullable=True))
    op.add_column("installations", sa.Column("check_detail", sa.String(40), nullable=True))
    op.add_column("installations", sa.Column("check_claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.execute("ALTER TABLE installations DROP COLUMN check_claimed_until")
    op.execute("ALTER TABLE installations DROP COLUMN check_detail")
    op.execute("ALTER TABLE installations DROP COLUMN check_ok")
    op.execute("ALTER TABLE installations DROP COLUMN checked_at")
    op.execute("ALTER TABLE credentials DROP COLUMN reauth_reason")
    op.execute("ALTER TABLE credentials DROP COLUMN refreshed_at")
    op.execute("ALTER TABLE credentials DROP COLUMN refresh_claimed_until")
    op.drop_index(op.f("ix_mail_queue_claimed_until"), table_name="mail_queue")
    op.drop_table("mail_queue")
