from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import email_links, invitations, routes, security, tokens  # noqa: E402,F401
