import logging

from flask import Blueprint, g
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import csrf, db, limiter
from ...services import tokens
from ..limits import (
    auth_failed,
    auth_failures_by_address,
    by_address,
    by_token,
    configured,
    without_token,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates with bearer tokens (or reads with the session); write calls never use cookies.
csrf.exempt(bp)
# Counted across the whole API (shared scopes), not per endpoint. Flask-Limiter reports the first
# limit of the shortest period in the RateLimit-* headers unless one is breached, so the order
# here is the order of preference: the caller's token, then its address. Refused bearer tokens
# count only when refused; past the limit the address is refused outright, whatever token it tries.
limiter.shared_limit(
    configured("API_TOKEN_RATE_LIMIT"), scope="api-token", key_func=by_token, exempt_when=without_token
)(bp)
limiter.shared_limit(configured("API_ADDRESS_RATE_LIMIT"), scope="api-address", key_func=by_address)(bp)
limiter.shared_limit(
    configured("API_AUTH_FAILURE_RATE_LIMIT"),
    scope="api-auth-failures",
    key_func=auth_failures_by_address,
    deduct_when=auth_failed,
)(bp)
log = logging.getLogger(__name__)


@bp.teardown_request
def _record_token_use(exc):
    # After the request's own commit, in a transaction of its own: a GET's read transaction never
    # has to turn into a write, and a failure here costs the caller nothing.
    token_id = g.pop("api_token_used", None)
    if token_id is None or exc is not None:
        return
    try:
        tokens.record_use(token_id)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not record the last use of API token %s", token_id, exc_info=True)


from . import ratings, routes, write  # noqa: E402,F401
