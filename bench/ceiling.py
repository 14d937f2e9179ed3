"""The framework's ceiling: a bare Flask app answering each benchmarked page with the very bytes the
product served for it, held in memory (no database, no templates, no extensions).

The benchmark fetches every page from the product first, writes the bodies to a JSON file named by
BENCH_CEILING_PAGES, and serves this app with the same gunicorn set-up as the product, so a ratio
to it says how close a page comes to what Flask itself can do:
`gunicorn 'bench.ceiling:create_ceiling_app()'`. Page `name` is at `/pages/<name>`.
"""

from __future__ import annotations

import base64
import json
import os

from flask import Flask, Response, abort


def create_ceiling_app() -> Flask:
    with open(os.environ["BENCH_CEILING_PAGES"], encoding="utf-8") as handle:
        captured = json.load(handle)
    pages = {name: (base64.b64decode(page["body"]), page["content_type"]) for name, page in captured.items()}
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/pages/<name>")
    def page(name):
        if name not in pages:
            abort(404)
        body, content_type = pages[name]
        return Response(body, content_type=content_type)

    return app
