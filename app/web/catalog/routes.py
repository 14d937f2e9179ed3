"""Home, catalog, integration pages, sitemap and robots.txt: load, check visibility, render."""

from __future__ import annotations

from flask import Response, render_template, request, url_for
from flask_login import current_user

from ...services import catalog
from ...services.viewer import viewer_for
from . import bp, presenters
from .query import parse_page, parse_query


@bp.app_template_global()
def trust_tier_info(tier: str) -> presenters.TrustTier:
    return presenters.TRUST_TIERS.get(tier) or presenters.TRUST_TIERS["community"]


@bp.app_template_global()
def trust_tiers() -> list[presenters.TrustTier]:
    return list(presenters.TRUST_TIERS.values())


bp.add_app_template_global(presenters.safe_icon_url, "safe_icon_url")
bp.add_app_template_filter(presenters.excerpt, "excerpt")


SORT_LABELS = {
    "relevance": "Relevance",
    "name": "Name",
    "updated": "Recently updated",
    "installs": "Most installed",
}


def current_viewer():
    return viewer_for(current_user)


@bp.get("/")
def home():
    shown = catalog.home_for(current_viewer())
    return render_template(
        "catalog/home.html", facets=shown.facets, featured=shown.featured, recent=shown.recent
    )


def catalog_view():
    query, page_number = parse_query(request.args), parse_page(request.args)
    page = catalog.page_for(current_viewer(), query, page=page_number)

    def page_url(number: int) -> str:
        return url_for("catalog.catalog", **query.params(page=number if number > 1 else None))

    return render_template(
        "catalog/catalog.html",
        query=query,
        page=page,
        sorts=catalog.SORTS,
        sort_labels=SORT_LABELS,
        prev_url=page_url(page.page - 1) if page.has_prev else None,
        next_url=page_url(page.page + 1) if page.has_next else None,
        first_url=page_url(1),
    )


# The endpoint is `catalog.catalog`; a view function named `catalog` would shadow the service module.
bp.add_url_rule("/integrations", endpoint="catalog", view_func=catalog_view, methods=["GET"])


@bp.get("/integrations/<publisher>/<slug>")
def detail(publisher, slug):
    shown = catalog.detail_for(current_viewer(), publisher, slug)
    integration = shown.integration
    return render_template(
        "catalog/detail.html",
        integration=integration,
        in_trash=shown.in_trash,
        versions=shown.versions,
        dependencies=shown.dependencies,
        members=presenters.members_of(integration.manifest),
        variables=presenters.variables_of(integration.variables_schema),
        scopes=[(s, presenters.describe_scope(s)) for s in presenters.scopes_of(integration.auth_config)],
        auth_description=presenters.AUTH_TYPES.get(integration.auth_type, presenters.AUTH_TYPES["none"]),
        is_private=integration.visibility == "private",
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
