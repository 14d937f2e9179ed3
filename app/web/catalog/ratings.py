"""People's reviews of a listing (ratings in the code): the reviews page, writing or editing one's own,
the publisher's reply, and flags. Load (the listing as the viewer may see it: 404 otherwise) -> check
-> act; a POST with CSRF that works without JavaScript; bad input re-renders the reviews page (422)
with the error beside its field and what was typed kept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ...domain import ratings as rules
from ...services import catalog, ratings
from ...services.errors import NotFound, ServiceError
from ...services.viewer import viewer_for
from .. import params
from ..forms import apply_service_error
from . import bp

DETAIL_SHOWN = 5


class RatingForm(FlaskForm):
    stars = RadioField(
        "Your rating",
        choices=[SelectChoice(str(n), f"{n} star{'s' if n > 1 else ''}") for n in reversed(rules.STARS)],
        validate_choice=False,  # the service says "Choose from 1 to 5 stars." beside the field
    )
    body = TextAreaField(
        "Your review",
        validators=[Length(max=rules.BODY_MAX + 1000)],
        render_kw={"rows": 5, "maxlength": rules.BODY_MAX},
    )


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        "Reply as the publisher",
        validators=[Length(max=rules.REPLY_MAX + 1000)],
        render_kw={"rows": 3, "maxlength": rules.REPLY_MAX},
    )


class FlagForm(FlaskForm):
    reason = TextAreaField(
        "Why should staff look at this review?",
        validators=[Length(max=rules.FLAG_REASON_MAX + 1000)],
        render_kw={"rows": 2, "maxlength": rules.FLAG_REASON_MAX},
    )


def _listing(publisher: str, slug: str):
    """The listing as this viewer may see it, published (reviews need a published version)."""
    integration = catalog.integration_by_handle(
        viewer_for(current_user), publisher, slug, with_versions=False
    )
    if integration.is_draft:
        raise NotFound("No such integration.")
    return integration


def ratings_context(integration, *, page: int = 1, per_page: int = DETAIL_SHOWN, forms: dict | None = None):
    """What templates/catalog/_ratings.html shows this viewer of `integration`'s reviews."""
    viewer = viewer_for(current_user)
    # rating_count counts the visible ratings: none, no query.
    items, has_next = (
        ratings.page_of(integration, page, per_page) if integration.rating_count else ([], False)
    )
    own = ratings.own_rating(current_user, integration)
    eligible = ratings.eligibility(current_user, integration)
    forms = dict(forms or {})
    if "rating" not in forms and eligible is not None:
        forms["rating"] = RatingForm(
            formdata=None,
            prefix="rating",
            stars=str(own.stars) if own else None,
            body=own.body if own else None,
        )
    return {
        "rating_items": items,
        "rating_has_next": has_next,
        "rating_page": page,
        "rating_bars": ratings.distribution_of(integration) if integration.rating_count else [],
        "own_rating": own,
        "rating_eligible": eligible,
        "rating_forms": forms,
        "rating_flagged": ratings.flagged_by(current_user, items),
        "is_publisher_admin": ratings.is_publisher_admin(viewer, integration),
    }


def _render(integration, status: int = 200, *, page: int = 1, forms: dict | None = None):
    return render_template(
        "catalog/reviews.html",
        integration=integration,
        **ratings_context(integration, page=page, per_page=ratings.PER_PAGE, forms=forms),
    ), status


@bp.get("/integrations/<publisher>/<slug>/reviews")
def reviews(publisher, slug):
    integration = _listing(publisher, slug)
    return _render(integration, page=params.page_number(request.args))


def _back(integration):
    return redirect(
        url_for("catalog.reviews", publisher=integration.publisher, slug=integration.slug) + "#reviews"
    )


@bp.post("/integrations/<publisher>/<slug>/reviews")
@login_required
def write_review(publisher, slug):
    integration = _listing(publisher, slug)
    form = RatingForm(prefix="rating")
    if form.validate_on_submit():
        try:
            existed = ratings.own_rating(current_user, integration) is not None
            ratings.rate(current_user, integration, form.stars.data, form.body.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(
                "Your review was updated." if existed else "Thank you: your review is published.", "success"
            )
            return _back(integration)
    return _render(integration, 422, forms={"rating": form})


@bp.post("/integrations/<publisher>/<slug>/reviews/<rating_id>/reply")
@login_required
def reply_review(publisher, slug, rating_id):
    integration = _listing(publisher, slug)
    rating = ratings.visible_rating(integration, rating_id)
    form = ReplyForm(prefix=f"reply-{rating.id}")
    if form.validate_on_submit():
        try:
            ratings.reply(current_user, viewer_for(current_user), rating, form.reply.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash("Your reply is published.", "success")
            return _back(integration)
    return _render(integration, 422, forms={f"reply-{rating.id}": form})


@bp.post("/integrations/<publisher>/<slug>/reviews/<rating_id>/flag")
@login_required
def flag_review(publisher, slug, rating_id):
    integration = _listing(publisher, slug)
    rating = ratings.visible_rating(integration, rating_id)
    form = FlagForm(prefix=f"flag-{rating.id}")
    if form.validate_on_submit():
        try:
            ratings.flag(current_user, rating, form.reason.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash("Thank you: staff will look at this review.", "success")
            return _back(integration)
    return _render(integration, 422, forms={f"flag-{rating.id}": form})


@bp.app_template_global()
def reply_form(rating, forms: dict):
    return forms.get(f"reply-{rating.id}") or ReplyForm(
        formdata=None, prefix=f"reply-{rating.id}", reply=rating.reply_body
    )


@bp.app_template_global()
def flag_form(rating, forms: dict):
    return forms.get(f"flag-{rating.id}") or FlagForm(formdata=None, prefix=f"flag-{rating.id}")
