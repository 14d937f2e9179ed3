"""Integration cards, rendered once per distinct content and reused by every page that shows them.

A card shows nothing but its own row's fields, so its HTML is keyed by exactly those fields (and the
URLs the page built, `CardLinks`): an integration that changes in any way gets a new key, so a stale card
cannot be shown, to anyone. Members' pages, which are never cached whole, then cost a lookup per
card instead of a template render. Kept per process, bounded (least recently used go first).
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, url_for
from markupsafe import Markup

from ..media.urls import icon_src, media_root
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


class CardLinks(NamedTuple):
    """The URLs every card's links start with, built once per page (`card_links`): a card renders with
    no url_for, so a kept page's changed card renders wherever the app is, in a request or not."""

    detail_root: str  # + publisher/slug
    publisher_root: str  # + publisher handle
    media_root: str  # + an uploaded icon's file name
    placeholder_icon: str


def card_links() -> CardLinks:
    """What every card links to, built once per page instead of twice per card (needs a request)."""
    detail = url_for("catalog.detail", publisher="P", slug="S")
    return CardLinks(
        detail_root=detail[: -len("P/S")],
        publisher_root=url_for("publishers.profile", handle="P")[: -len("P")],
        media_root=media_root(),
        placeholder_icon=url_for("static", filename="img/placeholder-icon.svg"),
    )


@bp.app_template_global()
def integration_card(
    integration, links: CardLinks, policy_note: str | None = None, installed_in=None
) -> Markup:
    """The card of `integration` (a row or a model with the card columns), from the macro in
    templates/includes/integration_card.html. `policy_note`: where the viewer's workspaces' install
    policies block it (members' pages only). `installed_in` maps integration ids to the (slug, name)
    of the viewer's workspaces that have it installed (services.ratings.installed_in). Both are part
    of the card's key, like the fields, so one viewer's state is never another's card."""
    card = card_of(integration)
    installed = (installed_in or {}).get(card.id, ())
    return _rendered(card, links, policy_note, installed, id(current_app.jinja_env))


def card_of(integration) -> Card:
    """What a card shows of `integration` (a row or a model with the card columns): its key."""
    return Card._make(getattr(integration, name, None) for name in CARD_FIELDS)


@lru_cache(maxsize=CACHED_CARDS)
def _rendered(
    card: Card, links: CardLinks, policy_note: str | None, installed: tuple, _environment: int
) -> Markup:
    macro = current_app.jinja_env.get_template("includes/integration_card.html").module.integration_card
    return Markup(macro(card, links, icon_src(card, links.media_root), policy_note, installed))
