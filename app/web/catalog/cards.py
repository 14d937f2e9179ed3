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
    "icon_media",
    "publisher",
    "trust_tier",
    "current_version",
    "visibility",
    "install_count",
    "rating_count",
    "rating_total",
    "category_slug",
    "category_name",
)
Card = namedtuple("Card", CARD_FIELDS)
CACHED_CARDS = 4096  # about 1 KiB each


@bp.app_template_global()
def integration_card(
    integration, detail_root: str, placeholder_icon: str, policy_note: str | None = None, installed_in=None
) -> Markup:
    """The card of `integration` (a row or a model with the card columns), from the macro in
    templates/includes/integration_card.html. `policy_note`: where the viewer's workspaces' install
    policies block it (members' pages only). `installed_in` maps integration ids to the (slug, name)
    of the viewer's workspaces that have it installed (services.ratings.installed_in). Both are part
    of the card's key, like the fields, so one viewer's state is never another's card."""
    card = card_of(integration)
    installed = (installed_in or {}).get(card.id, ())
    return _rendered(card, detail_root, placeholder_icon, policy_note, installed, id(current_app.jinja_env))


def card_of(integration) -> Card:
    """What a card shows of `integration` (a row or a model with the card columns): its key."""
    return Card._make(getattr(integration, name, None) for name in CARD_FIELDS)


@lru_cache(maxsize=CACHED_CARDS)
def _rendered(
    card: Card,
    detail_root: str,
    placeholder_icon: str,
    policy_note: str | None,
    installed: tuple,
    _environment: int,
) -> Markup:
    macro = current_app.jinja_env.get_template("includes/integration_card.html").module.integration_card
    return Markup(macro(card, detail_root, placeholder_icon, policy_note, installed))
