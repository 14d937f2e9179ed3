from flask import Blueprint

from ...extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates with bearer tokens (or reads with the session); write calls never use cookies.
csrf.exempt(bp)

from . import routes, write  # noqa: E402,F401
