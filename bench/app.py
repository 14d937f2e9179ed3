"""The app as the benchmark serves it: the product, plus two hooks that exist only here.

Any URL with `bench=cold` is served with the per-process caches emptied first (the catalog's facet
counts and search rankings, and every page cache): what the first request after a listing write
(publish, visibility, yank, takedown, rename ...) finds. Any URL with `bench=installed` is served
right after a real install count write (one atomic `install_count` update, committed, through the
database's triggers): what the first request after an install finds, the write's own cost included.
The framework's ceiling the pages are compared with is a separate, bare Flask app
(bench/ceiling.py) serving the bytes this one answered.
Served by gunicorn: `gunicorn 'bench.app:create_bench_app()'`.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.services import catalog
from app.web import page_cache

COUNT_WRITE = text(
    "UPDATE integrations SET install_count = install_count + 1 "
    "WHERE id = (SELECT id FROM integrations ORDER BY install_count DESC, id DESC LIMIT 1)"
)


def create_bench_app():
    app = create_app()
    served = app.wsgi_app

    def bench_hooks(environ, start_response):
        mode = parse_qs(environ.get("QUERY_STRING", "")).get("bench", [None])[0]
        if mode == "cold":
            with app.app_context():
                catalog.clear_caches()
                page_cache.clear()
        elif mode == "installed":
            with app.app_context():
                db.session.execute(COUNT_WRITE)
                db.session.commit()
        return served(environ, start_response)

    app.wsgi_app = bench_hooks
    return app
