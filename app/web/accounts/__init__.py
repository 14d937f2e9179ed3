from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import routes, security, tokens  # noqa: E402,F401
