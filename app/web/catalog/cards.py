"""Integration cards, rendered once per distinct content and reused by every page that shows them.

A card shows nothing but its own row's fields, so its HTML is keyed by exactly those fields (and the
two URLs the page built): an integration that changes in any way gets a new key, so a stale card
cannot be shown, to anyone. Members' pages, which are never cached whole, then cost a lookup per
card instead of a template render. Kept per process, bounded (least recently used go first).
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from flask import current_app
from markupsafe import Markup

from . import bp

CARD_FIELDS = (
    "id",
    "slug",
    "name",
    "description",
    "icon_url",
    "publisher",
    "trust_tier",
    "current_version",
    "visibility",
    "install_count",
    "category_slug",
    "category_name",
)
Card = namedtuple("Card", CARD_FIELDS)
CACHED_CARDS = 4096  # about 1 KiB each


@bp.app_template_global()
def integration_card(integration, detail_root: str, placeholder_icon: str) -> Markup:
    """The card of `integration` (a row or a model with the card columns), from the macro in
    templates/includes/integration_card.html."""
    card = Card._make(getattr(integration, name, None) for name in CARD_FIELDS)
    return _rendered(card, detail_root, placeholder_icon, id(current_app.jinja_env))


@lru_cache(maxsize=CACHED_CARDS)
def _rendered(card: Card, detail_root: str, placeholder_icon: str, _environment: int) -> Markup:
    macro = current_app.jinja_env.get_template("includes/integration_card.html").module.integration_card
    return Markup(macro(card, detail_root, placeholder_icon))
