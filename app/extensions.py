"""Extensions, created unbound; create_app binds them to an application."""

from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# join_transaction_mode lets the test suite wrap each test in an outer
# transaction that the app's own commits only release a savepoint of.
db = SQLAlchemy(model_class=Base, session_options={"join_transaction_mode": "create_savepoint"})
migrate = Migrate(compare_type=True, render_as_batch=True)


class MarketplaceLoginManager(LoginManager):
    """Flask-Login's, with session protection kept for what it protects: a signed-in session (or a
    remember-me cookie about to sign one in). Flask-Login checks every non-empty session, so an
    anonymous visitor's (a CSRF secret, nothing else) never matches its missing identifier and is
    rewritten on every request ("_remember": "clear", then the remember-me cookie deleted): a cookie
    set on every answer, which also kept each such visitor's pages out of the anonymous page cache."""

    def _session_protection_failed(self) -> bool:
        remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        if "_user_id" not in session and remember not in request.cookies:
            return False
        return super()._session_protection_failed()


login_manager = MarketplaceLoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
