from flask import Blueprint

bp = Blueprint("catalog", __name__)

from . import cards, ratings, reports, routes  # noqa: E402,F401
