"""Staff tools for publisher handles: reserve, grant, raise a workspace's limit. Staff only (the
blueprint answers 404 to everyone else)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...services import namespace_admin, publisher_profiles
from ...services.errors import ServiceError
from ..forms import apply_service_error, flash_service_error
from . import bp
from .forms import GrantHandleForm, HandleLimitForm, ReserveHandleForm, VerifyPublisherForm

FORMS = {
    "reserve_form": ReserveHandleForm,
    "grant_form": GrantHandleForm,
    "limit_form": HandleLimitForm,
    "verify_form": VerifyPublisherForm,
}


def _render(status: int = 200, **forms):
    for name, form_class in FORMS.items():
        forms.setdefault(name, form_class(formdata=None, prefix=name.removesuffix("_form")))
    return render_template(
        "admin/namespaces.html", overview=namespace_admin.overview(current_user), **forms
    ), status


@bp.get("/namespaces")
def namespaces():
    return _render()


def _submit(name: str, action, *fields: str, done: str):
    """Validate one of the page's forms and hand its fields to `action`; errors go beside them."""
    form = FORMS[name](prefix=name.removesuffix("_form"))
    if form.validate_on_submit():
        try:
            action(current_user, *(getattr(form, f).data for f in fields))
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(done, "success")
            return redirect(url_for("admin.namespaces"))
    return _render(422, **{name: form})


@bp.post("/namespaces/reserved")
def reserve_handle():
    return _submit("reserve_form", namespace_admin.reserve, "handle", "reason", done="Handle reserved.")


@bp.post("/namespaces/reserved/<handle>/remove")
def unreserve_handle(handle):
    return _button(namespace_admin.unreserve, handle, done=f"“{handle}” is no longer reserved.")


@bp.post("/namespaces/grants")
def grant_handle():
    return _submit(
        "grant_form", namespace_admin.grant, "workspace", "handle", "reason", done="Handle granted."
    )


@bp.post("/namespaces/grants/<grant_id>/revoke")
def revoke_grant(grant_id):
    return _button(namespace_admin.revoke_grant, grant_id, done="Grant revoked.")


@bp.post("/namespaces/limits")
def set_handle_limit():
    return _submit(
        "limit_form",
        namespace_admin.set_handle_limit,
        "workspace",
        "limit",
        "reason",
        done="Handle limit updated.",
    )


@bp.post("/namespaces/verified")
def set_verified():
    """Staff mark a publisher's identity as verified (or take the mark back), with a reason."""
    return _submit(
        "verify_form",
        lambda actor, handle, verified, reason: publisher_profiles.set_verified(
            actor, handle, verified == "yes", reason
        ),
        "handle",
        "verified",
        "reason",
        done="Publisher identity updated.",
    )


def _button(action, key: str, *, done: str):
    """A button-only POST (CSRFProtect has checked its token); NotFound answers 404."""
    try:
        action(current_user, key)
    except ServiceError as error:
        flash_service_error(error)
        return _render(error.status)
    flash(done, "success")
    return redirect(url_for("admin.namespaces"))
