"""The app as the benchmark serves it: the product, plus one hook that exists only here.

Any URL with `bench=cold` is served with the per-process caches emptied first (the catalog's facet
counts and search rankings, and the anonymous page cache): what the first request after a catalog
write finds. The framework's ceiling the pages are compared with is a separate, bare Flask app
(bench/ceiling.py) serving the bytes this one answered.
Served by gunicorn: `gunicorn 'bench.app:create_bench_app()'`.
"""

from __future__ import annotations

from flask import request

from app import create_app
from app.services import catalog
from app.web import page_cache


def create_bench_app():
    app = create_app()

    @app.before_request
    def bench_cold_caches():
        if request.args.get("bench") == "cold":
            catalog.clear_caches()
            page_cache.clear()

    return app
