"""Staff review queue: listings above community whose new version or name waits for approval.
Staff only (the blueprint answers 404 to everyone else); a staff member's own workspace's
submissions are shown but cannot be decided by them (403)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import reviews
from ...services.errors import ServiceError
from ..forms import apply_service_error
from . import bp
from .forms import ApproveReviewForm, RejectReviewForm


@bp.get("/reviews")
def review_queue():
    status = request.args.get("status", "pending")
    return render_template(
        "admin/reviews.html", rows=reviews.queue(current_user, status), status=status, queues=reviews.QUEUES
    )


def _render(review_id: str, status: int = 200, **forms):
    forms.setdefault("approve_form", ApproveReviewForm(formdata=None, prefix="approve"))
    forms.setdefault("reject_form", RejectReviewForm(formdata=None, prefix="reject"))
    return render_template(
        "admin/review.html", detail=reviews.detail(current_user, review_id), **forms
    ), status


@bp.get("/reviews/<review_id>")
def review(review_id):
    return _render(review_id)


def _decide(review_id: str, form, name: str, action, done: str):
    reviews.get(current_user, review_id)  # an unknown id is a 404 before anything else
    if form.validate_on_submit():
        try:
            action(current_user, review_id, form.reason.data)
        except ServiceError as error:
            apply_service_error(form, error)
            return _render(review_id, error.status, **{name: form})
        flash(done, "success")
        return redirect(url_for("admin.review_queue"))
    return _render(review_id, 422, **{name: form})


@bp.post("/reviews/<review_id>/approve")
def approve_review(review_id):
    return _decide(
        review_id,
        ApproveReviewForm(prefix="approve"),
        "approve_form",
        reviews.approve,
        "Approved: it is live for everyone now.",
    )


@bp.post("/reviews/<review_id>/reject")
def reject_review(review_id):
    return _decide(
        review_id,
        RejectReviewForm(prefix="reject"),
        "reject_form",
        reviews.reject,
        "Rejected: the publisher sees your reason on the dashboard.",
    )
