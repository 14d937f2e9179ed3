from flask import Blueprint

bp = Blueprint("install", __name__)

from . import routes  # noqa: E402,F401
