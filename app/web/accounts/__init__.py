from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import routes, tokens  # noqa: E402,F401
