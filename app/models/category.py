"""The staff-managed category taxonomy. A listing has a primary and an optional secondary category
(columns on integrations). A category's slug is its URL (/categories/<slug>) and never changes; staff
rename, reorder, and delete one that no listing uses."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import TimestampMixin, id_column

CATEGORY_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,47}$"
CATEGORY_SLUG_MAX = 48
CATEGORY_NAME_MAX = 60


class Category(TimestampMixin, db.Model):
    __tablename__ = "categories"

    id: Mapped[str] = id_column()
    slug: Mapped[str] = mapped_column(String(CATEGORY_SLUG_MAX), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(CATEGORY_NAME_MAX), nullable=False, unique=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"
