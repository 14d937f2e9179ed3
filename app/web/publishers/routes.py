"""/publishers/<handle>: who the publisher is and its listings this viewer finds in the catalog;
/dashboard/publishers/<handle>: the profile form (owners and admins of the handle's workspace)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ...models.integration import URL_MAX
from ...models.publisher_profile import DISPLAY_NAME_MAX, PROFILE_DESCRIPTION_MAX
from ...services import publisher_profiles
from ...services.errors import ServiceError
from ...services.viewer import viewer_for
from .. import params
from ..catalog.cards import card_links
from ..forms import apply_service_error
from ..page_cache import anonymous_page
from . import bp


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name",
        validators=[Optional(), Length(max=DISPLAY_NAME_MAX)],
        description="Shown instead of the handle. Leave empty to show the handle.",
    )
    description = TextAreaField(
        "About",
        validators=[Optional(), Length(max=PROFILE_DESCRIPTION_MAX)],
        description="Plain text: who you are and what you build.",
    )
    website = StringField(
        "Website", validators=[Optional(), Length(max=URL_MAX)], description="An https: address."
    )
    support_contact = StringField(
        "Support contact",
        validators=[Optional(), Length(max=URL_MAX)],
        description="An e-mail address, or an https: address of your support page.",
    )


def _page_key(handle: str) -> tuple:
    return handle, params.page_number(request.args)


@bp.get("/publishers/<handle>")
@anonymous_page(key=_page_key)
def profile(handle):
    found = publisher_profiles.publisher(handle)
    page_number = params.page_number(request.args)
    listings = publisher_profiles.listings_of(viewer_for(current_user), found.handle, page=page_number)

    def page_url(number: int) -> str:
        return url_for("publishers.profile", handle=found.handle, page=number if number > 1 else None)

    return render_template(
        "publishers/profile.html",
        publisher=found,
        page=listings,
        prev_url=page_url(listings.page - 1) if listings.has_prev else None,
        next_url=page_url(listings.page + 1) if listings.has_next else None,
        can_edit=_can_edit(found),
        card_links=card_links(),
    )


def _can_edit(found) -> bool:
    viewer = viewer_for(current_user)
    return found.workspace_id in viewer.admin_of


@bp.route("/dashboard/publishers/<handle>", methods=["GET", "POST"])
@login_required
def edit(handle):
    found = publisher_profiles.for_editing(current_user, handle)
    profile = found.profile
    form = ProfileForm(
        formdata=None if request.method == "GET" else request.form,
        display_name=profile.display_name if profile else None,
        description=profile.description if profile else None,
        website=profile.website if profile else None,
        support_contact=profile.support_contact if profile else None,
    )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                publisher_profiles.update_profile(
                    current_user, found.handle, {k: getattr(form, k).data for k in publisher_profiles.FIELDS}
                )
            except ServiceError as error:
                apply_service_error(form, error)
                status = error.status
            else:
                flash("Profile saved.", "success")
                return redirect(url_for("publishers.edit", handle=found.handle))
        else:
            status = 422
    return render_template("publishers/edit.html", publisher=found, form=form), status
