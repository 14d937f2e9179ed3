"""The integration marketplace. `create_app` builds an application; nothing happens at import time."""

from __future__ import annotations

import logging
import os

from flask import Flask

from .config import load_config
from .extensions import csrf, db, limiter, login_manager, migrate

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

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)

    from .database import configure_engine, init_request_transactions

    with app.app_context():
        configure_engine(db.engine)
    init_request_transactions(app)

    from .web import register_web

    register_web(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _init_login(app: Flask) -> None:
    from .models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, user_id)
        return user if user is not None and user.is_active else None
