"""The integration marketplace. `create_app` builds an application; nothing happens at import time."""

from __future__ import annotations

import logging
import os

from flask import Flask

from .config import load_config
from .extensions import csrf, db, limiter, login_manager, mail, migrate
from .logs import install_redaction

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.config.update(load_config(app.instance_path, config))
    logging.basicConfig(level=logging.INFO)
    install_redaction()

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    csrf.init_app(app)
    from .web.errors import keep_own_retry_after

    # after_request hooks run last-registered first: this one, registered before the limiter's,
    # runs after the limiter has written its headers (see keep_own_retry_after).
    app.after_request(keep_own_retry_after)
    limiter.init_app(app)
    mail.init_app(app)
    _init_login(app)

    from .database import configure_engine, init_request_transactions

    with app.app_context():
        configure_engine(db.engine, app.config)
    init_request_transactions(app)

    from . import jobs

    jobs.init_app(app)

    from .web import register_web

    register_web(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _init_login(app: Flask) -> None:
    from .database import request_reads_only
    from .models.account import parse_session_id
    from .services.viewer import load_with_memberships

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_user_id: str):
        # Runs for the session cookie on every request and for the remember-me cookie: either one
        # issued before the user's last logout, "sign out everywhere" or password change is refused.
        parsed = parse_session_id(session_user_id)
        if parsed is None:
            return None
        user = load_with_memberships(parsed[0], read_only=request_reads_only())
        if user is None or not user.is_active or user.session_generation != parsed[1]:
            return None
        return user
