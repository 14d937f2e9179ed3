"""categories, listing links

Revision ID: 0014_categories
Revises: 0013_rating_columns
Create Date: 2026-11-30

A staff-managed category taxonomy (`categories`, seeded with the starting set of
app/domain/categories.py so every install has them), and listing metadata on integrations: a
primary and an optional secondary category, and the publisher's links (homepage, docs, support,
privacy, terms, status) as one JSON object. Added in place (ADD COLUMN, the foreign keys inline on
SQLite), so 0012's SQLite triggers stay: a change to any of them moves the listing generation.
"""

from datetime import UTC, datetime
import uuid

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0014_categories"
down_revision = "0013_rating_columns"
branch_labels = None
depends_on = None

STARTING_CATEGORIES = (
    ("communication", "Communication"),
    ("developer-tools", "Developer tools"),
    ("project-management", "Project management"),
    ("customer-support", "Customer support"),
    ("sales-crm", "Sales & CRM"),
    ("marketing", "Marketing"),
    ("payments-finance", "Payments & finance"),
    ("analytics", "Analytics"),
    ("productivity", "Productivity"),
    ("files-documents", "Files & documents"),
    ("security-identity", "Security & identity"),
    ("monitoring-incidents", "Monitoring & incidents"),
    ("hr-people", "HR & people"),
    ("ecommerce", "E-commerce"),
    ("utilities", "Utilities"),
)

CATEGORY_COLUMNS = ("primary_category_id", "secondary_category_id")


def upgrade():
    categories = op.create_table(
        "categories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
        sa.UniqueConstraint("name", name=op.f("uq_categories_name")),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    op.bulk_insert(
        categories,
        [
            {"id": str(uuid.uuid4()), "slug": slug, "name": name, "position": i, "created_at": now, "updated_at": now}
            for i, (slug, name) in enumerate(STARTING_CATEGORIES)
        ],
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in CATEGORY_COLUMNS:
        fk_name = f"fk_integrations_{column}_categories"
        op.add_column(
            "integrations",
            sa.Column(column, sa.String(length=36), sa.ForeignKey("categories.id", name=fk_name), nullable=True),
            inline_references=sqlite,
        )
        op.create_index(op.f(f"ix_integrations_{column}"), "integrations", [column])
    op.add_column(
        "integrations",
        sa.Column("links", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
    )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch recreate would drop 0012's triggers. SQLite refuses to
    # drop an indexed or referencing column, so the indexes go first and the references with the column
    # (PostgreSQL drops a column's constraints with it).
    op.execute("ALTER TABLE integrations DROP COLUMN links")
    for column in reversed(CATEGORY_COLUMNS):
        op.drop_index(op.f(f"ix_integrations_{column}"), table_name="integrations")
        op.execute(f"ALTER TABLE integrations DROP COLUMN {column}")
    op.drop_table("categories")
