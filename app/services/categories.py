"""The category taxonomy: staff add, rename, reorder and delete (when unused) categories; everyone
reads them. One audit event per change; each change moves the listing generation, since public pages
(cards, facets, the home page, category pages) show category names and order."""

from __future__ import annotations

import re

from sqlalchemy import func, or_

from ..extensions import db
from ..models import Category, Integration
from ..models.category import CATEGORY_NAME_MAX, CATEGORY_SLUG_PATTERN
from . import audit
from .catalog import bump_listing_generation
from .errors import Conflict, NotFound, ValidationFailed

SLUG_RE = re.compile(CATEGORY_SLUG_PATTERN)
AUDITED = ("slug", "name", "position")


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise NotFound("No such page.")


def ordered() -> list[Category]:
    """Every category in the staff's order."""
    return list(db.session.scalars(db.select(Category).order_by(Category.position, Category.name)))


def by_slug(slug: str | None) -> Category | None:
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        return None
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def require_by_slug(slug: str | None) -> Category:
    """The category at /categories/<slug> (NotFound for an unknown one)."""
    category = by_slug(slug)
    if category is None:
        raise NotFound("No such category.")
    return category


def usage_counts() -> dict[str, int]:
    """How many integrations (any state, the trash included) name each category, by id."""
    counts: dict[str, int] = {}
    for column in (Integration.primary_category_id, Integration.secondary_category_id):
        for category_id, n in db.session.execute(
            db.select(column, func.count()).where(column.is_not(None)).group_by(column)
        ):
            counts[category_id] = counts.get(category_id, 0) + n
    return counts


def _name(name: str | None, *, exclude: str | None = None) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > CATEGORY_NAME_MAX:
        raise ValidationFailed(
            f"Give the category a name of up to {CATEGORY_NAME_MAX} characters.", field="name"
        )
    taken = db.select(Category.id).where(func.lower(Category.name) == name.lower())
    if exclude:
        taken = taken.where(Category.id != exclude)
    if db.session.scalar(taken):
        raise Conflict(f"A category is already called “{name}”.", field="name")
    return name


def _slug(slug: str | None) -> str:
    slug = (slug or "").strip().lower()
    if not (slug.isascii() and SLUG_RE.match(slug)):
        raise ValidationFailed(
            "Use 1 to 48 lowercase letters, digits and hyphens, starting with a letter or digit.",
            field="slug",
        )
    if by_slug(slug) is not None:
        raise Conflict(f"The slug “{slug}” is taken.", field="slug")
    return slug


def _changed(actor, action: str, category: Category, before: dict) -> None:
    db.session.flush()
    bump_listing_generation()
    audit.record(
        actor,
        action,
        category,
        object_type="category",
        object_label=category.slug,
        before=before,
        after=audit.snapshot(category, AUDITED) if action != "category.deleted" else {},
    )


def create(actor, slug: str | None, name: str | None) -> Category:
    _require_staff(actor)
    slug, name = _slug(slug), _name(name)
    last = db.session.scalar(db.select(func.max(Category.position)))
    category = Category(slug=slug, name=name, position=(last if last is not None else -1) + 1)
    db.session.add(category)
    _changed(actor, "category.created", category, {})
    return category


def _load(category_id: str) -> Category:
    category = db.session.get(Category, str(category_id)[:36])
    if category is None:
        raise NotFound("No such category.")
    return category


def rename(actor, category_id: str, name: str | None) -> Category:
    _require_staff(actor)
    category = _load(category_id)
    name = _name(name, exclude=category.id)
    if name == category.name:
        return category
    before = audit.snapshot(category, AUDITED)
    category.name = name
    _changed(actor, "category.renamed", category, before)
    return category


def move(actor, category_id: str, direction: str) -> Category:
    """Swap the category with its neighbour above (`up`) or below (`down`); at either end, nothing moves."""
    _require_staff(actor)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move a category up or down.", field="direction")
    category = _load(category_id)
    rows = ordered()
    for position, row in enumerate(rows):  # positions made dense, so a swap is always a move
        row.position = position
    index = rows.index(category)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return category
    before = audit.snapshot(category, AUDITED)
    rows[index].position, rows[other].position = other, index
    _changed(actor, "category.moved", category, before)
    return category


def delete(actor, category_id: str) -> None:
    """Only a category no listing names (the trash included) may go."""
    _require_staff(actor)
    category = _load(category_id)
    used = db.session.scalar(
        db.select(func.count())
        .select_from(Integration)
        .where(
            or_(
                Integration.primary_category_id == category.id,
                Integration.secondary_category_id == category.id,
            )
        )
    )
    if used:
        raise Conflict(
            f"“{category.name}” is used by {used} listing{'s' if used != 1 else ''}: move them to another "
            "category first."
        )
    before = audit.snapshot(category, AUDITED)
    db.session.delete(category)
    _changed(actor, "category.deleted", category, before)
