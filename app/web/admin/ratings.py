"""Staff moderation of people's reviews (ratings in the code) at /admin/ratings: flagged reviews, most
flagged first, each hidden with a reason (it leaves the listing's average and every page) or left;
hidden ones can be shown again. Staff only (the blueprint answers 404 to everyone else); audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from ...domain import ratings as rules
from ...services import ratings
from ...services.errors import ServiceError
from .. import params
from ..forms import apply_service_error, flash_service_error
from . import bp


class HideRatingForm(FlaskForm):
    reason = TextAreaField(
        "Reason for hiding it",
        validators=[Length(max=rules.HIDE_REASON_MAX + 1000)],
        render_kw={"rows": 2, "maxlength": rules.HIDE_REASON_MAX},
    )


def _render(status: int = 200, forms: dict | None = None):
    hidden = request.args.get("state") == "hidden"
    page = params.page_number(request.args)
    items, has_next = ratings.staff_queue(current_user, hidden=hidden, page=page)
    forms = dict(forms or {})
    for rating in items:
        forms.setdefault(rating.id, HideRatingForm(formdata=None, prefix=f"hide-{rating.id}"))
    return render_template(
        "admin/ratings.html", items=items, has_next=has_next, page=page, hidden=hidden, forms=forms
    ), status


@bp.get("/ratings")
def ratings_queue():
    return _render()


@bp.post("/ratings/<rating_id>/hide")
def hide_rating(rating_id):
    rating = ratings.rating_for_staff(current_user, rating_id)
    form = HideRatingForm(prefix=f"hide-{rating.id}")
    if form.validate_on_submit():
        try:
            ratings.hide(current_user, rating, form.reason.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash("The review is hidden.", "success")
            return redirect(url_for("admin.ratings_queue"))
    return _render(422, {rating.id: form})


@bp.post("/ratings/<rating_id>/unhide")
def unhide_rating(rating_id):
    rating = ratings.rating_for_staff(current_user, rating_id)
    if FlaskForm().validate_on_submit():
        try:
            ratings.unhide(current_user, rating)
        except ServiceError as error:
            flash_service_error(error)
        else:
            flash("The review is shown again.", "success")
    return redirect(url_for("admin.ratings_queue", state="hidden"))
