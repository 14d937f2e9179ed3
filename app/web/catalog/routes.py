# Placeholder pages until the catalog issue lands: they only list public integrations.
from flask import render_template

from ...extensions import db
from ...models import Integration
from . import bp


def _public():
    return db.session.scalars(
        db.select(Integration)
        .where(Integration.visibility == "public", Integration.deleted_at.is_(None), Integration.current_version.is_not(None))
        .order_by(Integration.name)
        .limit(50)
    ).all()


@bp.get("/")
def home():
    return render_template("catalog/placeholder.html", integrations=_public())


@bp.get("/integrations")
def catalog():
    return render_template("catalog/placeholder.html", integrations=_public())
