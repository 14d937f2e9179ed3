"""The app as the benchmark serves it: the product, plus one hook that exists only here.

Any URL with `bench=cold` is served with the per-process caches emptied first (the catalog's facet
counts and search rankings, and every page cache): the worst a request can find. (The first request
after a real write, an install or a listing edit, is timed by bench.run's write probe.)
The framework's ceiling the pages are compared with is a separate, bare Flask app
(bench/ceiling.py) serving the bytes this one answered.
Served by gunicorn: `gunicorn 'bench.app:create_bench_app()'`.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from app import create_app
from app.services import catalog
from app.web import page_cache


def create_bench_app():
    app = create_app()
    served = app.wsgi_app

    def bench_cold_caches(environ, start_response):
        # Outside the page cache's front, which would otherwise answer before Flask runs.
        if parse_qs(environ.get("QUERY_STRING", "")).get("bench") == ["cold"]:
            with app.app_context():
                catalog.clear_caches()
                page_cache.clear()
        return served(environ, start_response)

    app.wsgi_app = bench_cold_caches
    return app
