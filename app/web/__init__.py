"""Web layer: one blueprint package per feature, plus the shared plumbing every page uses."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from . import (
        docs,
        errors,
        filters,
        health,
        member_front,
        page_cache,
        pages,
        schemas,
        security,
        sessions,
        strict_input,
    )
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .catalog import bp as catalog_bp
    from .dashboard import bp as dashboard_bp
    from .install import bp as install_bp
    from .media import bp as media_bp
    from .publishers import bp as publishers_bp
    from .workspaces import bp as workspaces_bp

    app.session_interface = sessions.RememberingSessionInterface()
    for bp in (
        catalog_bp,
        accounts_bp,
        workspaces_bp,
        dashboard_bp,
        install_bp,
        media_bp,
        publishers_bp,
        admin_bp,
        api_bp,
        health.bp,
        pages.bp,
        schemas.bp,
        docs.bp,
    ):
        app.register_blueprint(bp)
    from . import demo_oauth, dev_outbox

    demo_oauth.register(app)  # only when DEMO_OAUTH_PROVIDER (never in production)
    dev_outbox.register(app)  # only when mail is kept, not sent (never in production)
    errors.register(app)
    strict_input.register(app)
    # Innermost wrappers of the WSGI app, so a proxy fix (security.register) applies before them:
    # anonymous pages' front, then members' (which needs the client's real address).
    app.wsgi_app = page_cache.PageCacheFront(app, app.wsgi_app)
    app.wsgi_app = member_front.MemberPageFront(app, app.wsgi_app)
    security.register(app)
    filters.register(app)
