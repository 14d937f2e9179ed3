"""Home, catalog, integration pages, sitemap and robots.txt: load, check visibility, render."""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ...domain import ratings as rating_rules
from ...domain import trust
from ...domain.access import access_summary
from ...domain.listing_links import shown_links
from ...services import catalog, categories, install_policy, media, publisher_profiles, ratings
from ...services.takedowns import TakenDown
from ...services.viewer import viewer_for
from ..page_cache import anonymous_page, member_fragment
from . import bp, presenters, splice
from .cards import card_links
from .query import parse_page, parse_query
from .ratings import ratings_context


@bp.app_template_global()
def trust_tier_info(tier: str) -> trust.TrustTier:
    return trust.tier_info(tier)


@bp.app_template_global()
def trust_tiers() -> list[trust.TrustTier]:
    return list(trust.TIERS.values())


bp.add_app_template_global(presenters.safe_icon_url, "safe_icon_url")
bp.add_app_template_global(rating_rules.average, "rating_average")
bp.add_app_template_global(rating_rules.stars_label, "rating_label")
bp.add_app_template_filter(presenters.excerpt, "excerpt")


SORT_LABELS = {
    "relevance": "Relevance",
    "name": "Name",
    "updated": "Recently updated",
    "installs": "Most installed",
    "rating": "Highest rated",
}


def current_viewer():
    return viewer_for(current_user)


@bp.get("/")
@anonymous_page(key=lambda: ())
def home():
    viewer = current_viewer()
    content, _ = member_fragment(viewer, ("home",), lambda: _home_content(viewer))
    return render_template("catalog/home.html", content=content, login_next=url_for("catalog.home"))


def _home_content(viewer) -> tuple[Markup, dict]:
    shown = catalog.home_for(viewer)
    html = render_template(
        "catalog/home_content.html",
        facets=shown.facets,
        featured=shown.featured,
        recent=shown.recent,
        installed_in=ratings.installed_in(viewer, {i.id for i in (*shown.featured, *shown.recent)}),
        categories=shown.categories,
        policy_notes=install_policy.blocked_names(viewer, [*shown.featured, *shown.recent]),
        card_links=card_links(),
    )
    return Markup(html), {}


def catalog_key() -> tuple:
    """What decides a catalog page: the normalised query and the page number (other arguments are ignored)."""
    return parse_query(request.args), parse_page(request.args)


def catalog_counts(key: tuple):
    """What an anonymous catalog page shows of the install counts (its page cache's `recount`)."""
    return catalog.page_counts(*key)


def catalog_check(key: tuple, listing: int):
    """Whether listing writes since leave an anonymous catalog page as it is, or change only its cards
    (its page cache's `revalidate`: splice.card_splice)."""
    return splice.card_splice(key, listing)


def detail_counts(key: tuple):
    return catalog.detail_counts(*key)


@anonymous_page(key=catalog_key, recount=catalog_counts, revalidate=catalog_check)
def catalog_view():
    query, page_number = catalog_key()
    viewer = current_viewer()
    content, links = member_fragment(
        viewer, ("catalog", query, page_number), lambda: _catalog_content(viewer, query, page_number)
    )
    return render_template("catalog/catalog.html", query=query, content=content, **links)


def category_url(slug: str, query, **changes) -> str:
    """A category's page with the query's other filters (the category is in the path, not the query)."""
    return url_for("catalog.category", slug=slug, **query.params(category=None, **changes))


def _catalog_content(viewer, query, page_number: int, category=None) -> tuple[Markup, dict]:
    """The catalog's results; on a category's own page (`category`), its name heads them and every link
    stays on that page."""
    page = catalog.page_for(viewer, query, page=page_number)

    def page_url(number: int) -> str:
        number = number if number > 1 else None
        if category is not None:
            return category_url(category.slug, query, page=number)
        return url_for("catalog.catalog", **query.params(page=number))

    links = {
        "prev_url": page_url(page.page - 1) if page.has_prev else None,
        "next_url": page_url(page.page + 1) if page.has_next else None,
        "login_next": page_url(page.page),
    }
    card_urls = card_links()  # one set for the cards and the splice that may redo some of them
    if viewer.is_anonymous:
        splice.note_rendered(query, page_number, page, card_urls)
    html = render_template(
        "catalog/catalog_content.html",
        query=query,
        page=page,
        sorts=catalog.SORTS,
        sort_labels=SORT_LABELS,
        first_url=page_url(1),
        installed_in=ratings.installed_in(viewer, [i.id for i in page.items]),
        category=category,
        category_url=category_url,
        policy_notes=install_policy.blocked_names(viewer, page.items),
        **links,
        card_links=card_urls,
    )
    return Markup(html), links


def category_page_key(slug: str) -> tuple:
    """What decides a category's page: its normalised query (the slug in it) and the page number."""
    return parse_query(request.args, category=slug[:64]), parse_page(request.args)


@bp.get("/categories/<slug>")
@anonymous_page(key=category_page_key, recount=catalog_counts, revalidate=catalog_check)
def category(slug):
    found = categories.by_slug(slug)
    if found is None:
        abort(404)
    query, page_number = category_page_key(slug)
    viewer = current_viewer()
    content, links = member_fragment(
        viewer,
        ("category", query, page_number),
        lambda: _catalog_content(viewer, query, page_number, category=found),
    )
    return render_template("catalog/catalog.html", query=query, content=content, category=found, **links)


# The endpoint is `catalog.catalog`; a view function named `catalog` would shadow the service module.
bp.add_url_rule("/integrations", endpoint="catalog", view_func=catalog_view, methods=["GET"])


@bp.get("/integrations/<publisher>/<slug>")
@anonymous_page(key=lambda publisher, slug: (publisher, slug), recount=detail_counts)
def detail(publisher, slug):
    viewer = current_viewer()
    try:
        detail = catalog.detail_for(viewer, publisher, slug)
    except TakenDown as gone:
        return render_template("catalog/taken_down.html", notice=gone.notice), 410
    integration, shown = detail.integration, detail.shown  # shown: the current version's snapshot
    viewer = current_viewer()
    return render_template(
        "catalog/detail.html",
        integration=integration,
        shown=shown,
        in_trash=detail.in_trash,
        versions=detail.versions,
        dependencies=detail.dependencies,
        members=presenters.members_of(shown.manifest),
        variables=presenters.variables_of(shown.variables_schema),
        auth_description=presenters.AUTH_TYPES.get(shown.auth_type, presenters.AUTH_TYPES["none"]),
        access=access_summary(shown.auth_config),
        links=shown_links(integration.links),
        categories=[c for c in (integration.primary_category, integration.secondary_category) if c],
        is_private=integration.visibility == "private",
        login_next=request.path,
        # Per viewer: a signed-in person's page is kept for them alone (page_cache._member_page).
        policy_blocked=install_policy.blocked_for(viewer, integration) if not viewer.is_anonymous else [],
        installed_here=ratings.installed_in(viewer, [integration.id]).get(integration.id, ()),
        **(ratings_context(integration) if shown.version and not detail.in_trash else {}),
        screenshots=media.screenshots_of(integration.id),
        publisher_profile=publisher_profiles.profile_of(integration.publisher),
    )


@bp.get("/sitemap.xml")
def sitemap():
    entries = catalog.sitemap_entries()
    detail_root = url_for("catalog.detail", publisher="P", slug="S", _external=True)[: -len("P/S")]
    body = render_template(
        "catalog/sitemap.xml",
        entries=entries,
        detail_root=detail_root,
        home=url_for("catalog.home", _external=True),
        catalog_url=url_for("catalog.catalog", _external=True),
        category_slugs=[c.slug for c in categories.ordered()],
    )
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = [
        "User-agent: *",
        "Disallow: /dashboard",
        "Disallow: /admin",
        "Disallow: /install/",
        "Disallow: /workspaces",
        "Disallow: /settings",
        "Disallow: /api/",
        f"Sitemap: {url_for('catalog.sitemap', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")
