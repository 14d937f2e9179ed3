from flask import Blueprint

bp = Blueprint("catalog", __name__)

from . import cards, reports, routes  # noqa: E402,F401
