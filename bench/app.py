"""The app as the benchmark serves it: the product, plus a baseline route that exists only here.

`/bench/baseline` renders the very same catalog page template with the same context shape
from a list held in memory (no SQL at all): the framework's ceiling for that page. Any URL
with `bench=cold` is served with the catalog's per-process caches emptied first.
Served by gunicorn: `gunicorn 'bench.app:create_bench_app()'`.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from app import create_app
from app.domain.visibility import ANONYMOUS, listed_clause
from app.extensions import db
from app.models import Integration
from app.services import catalog
from app.web.catalog.routes import SORT_LABELS


def create_bench_app():
    app = create_app()
    query = catalog.CatalogQuery()
    with app.app_context():
        items = list(
            db.session.scalars(
                select(Integration)
                .where(listed_clause(Integration, ANONYMOUS))
                .order_by(Integration.install_count.desc(), Integration.id.desc())
                .limit(catalog.PAGE_SIZE)
            )
        )
        facets = catalog.tier_counts(ANONYMOUS, query)
        db.session.expunge_all()
        db.session.remove()

    @app.before_request
    def bench_cold_caches():
        # `?bench=cold` measures a request as the first after a catalog write would find it: this
        # process's facet counts and search rankings forgotten, so every search is ranked afresh.
        if request.args.get("bench") == "cold":
            catalog.clear_caches()

    @app.get("/bench/baseline")
    def bench_baseline():
        page = catalog.CatalogPage(items, 1, catalog.PAGE_SIZE, True, dict(facets))
        return render_template(
            "catalog/catalog.html",
            query=query,
            page=page,
            sorts=catalog.SORTS,
            sort_labels=SORT_LABELS,
            prev_url=None,
            next_url=url_for("catalog.catalog", page=2),
            first_url=url_for("catalog.catalog"),
        )

    return app
