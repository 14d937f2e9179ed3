"""The bundled demo OAuth2 authorization server (Authlib), so an oauth2 install completes on one
machine. Mounted at /demo-oauth only when DEMO_OAUTH_PROVIDER is true (never in production)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("demo_oauth", __name__, url_prefix="/demo-oauth")


def register(app: Flask) -> None:
    if not app.config.get("DEMO_OAUTH_PROVIDER"):
        return
    from . import routes, server

    server.init_app(app)
    app.register_blueprint(bp)
    routes  # noqa: B018  (imported for its routes)
