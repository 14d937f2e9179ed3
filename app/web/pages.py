"""The site's own pages, linked from every footer: About, Terms and Privacy. Static text."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/about")
def about():
    return render_template("pages/about.html")


@bp.get("/terms")
def terms():
    return render_template("pages/terms.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")
