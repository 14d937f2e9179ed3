"""integrations keep their ratings' count and total

Revision ID: 0013_rating_columns
Revises: 0012_listing_generation
Create Date: 2026-11-30

Ratings (stars 1-5 with a review) are shown on every card and feed the catalog's relevance and
`sort=rating`; the cards read two columns kept beside the listing instead of aggregating reviews
per page: `rating_count` (visible ratings) and `rating_total` (the sum of their stars). The rating
service changes both in one atomic UPDATE with the review it writes. Added in place (ADD COLUMN),
so 0012's SQLite triggers stay: a change to either moves the listing generation (they decide
order and relevance), as any column but install_count does.
"""

from alembic import op
import sqlalchemy as sa

revision = "0013_rating_columns"
down_revision = "0012_listing_generation"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("integrations", sa.Column("rating_count", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("integrations", sa.Column("rating_total", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch recreate would drop 0012's triggers.
    op.execute("ALTER TABLE integrations DROP COLUMN rating_total")
    op.execute("ALTER TABLE integrations DROP COLUMN rating_count")
