from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import categories, namespaces, reports, reviews, routes  # noqa: E402,F401
