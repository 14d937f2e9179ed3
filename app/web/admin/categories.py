"""Staff tools for the category taxonomy: add, rename, reorder, delete when unused. Staff only (the
blueprint answers 404 to everyone else); each change is audited by the service."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...services import categories as service
from ...services.errors import ServiceError
from ..forms import apply_service_error, flash_service_error
from . import bp
from .forms import CategoryForm, RenameCategoryForm


def _render(status: int = 200, create_form=None, rename_forms=None):
    rows = service.ordered()
    rename_forms = rename_forms or {}
    forms = {
        row.id: rename_forms.get(row.id)
        or RenameCategoryForm(formdata=None, prefix=f"rename-{row.id}", name=row.name)
        for row in rows
    }
    for row in rows:  # each label names its category (a screen reader lists fifteen of them)
        forms[row.id].name.label.text = f"New name for {row.name}"
    return render_template(
        "admin/categories.html",
        categories=rows,
        usage=service.usage_counts(),
        create_form=create_form or CategoryForm(formdata=None, prefix="new"),
        rename_forms=forms,
    ), status


@bp.get("/categories")
def categories():
    return _render()


@bp.post("/categories")
def create_category():
    form = CategoryForm(prefix="new")
    if form.validate_on_submit():
        try:
            created = service.create(current_user, form.slug.data, form.name.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(f"Category “{created.name}” added.", "success")
            return redirect(url_for("admin.categories"))
    return _render(422, create_form=form)


@bp.post("/categories/<category_id>/rename")
def rename_category(category_id):
    form = RenameCategoryForm(prefix=f"rename-{category_id[:36]}")
    if form.validate_on_submit():
        try:
            service.rename(current_user, category_id, form.name.data)
        except ServiceError as error:
            if error.status == 404:
                raise
            apply_service_error(form, error)
        else:
            flash("Category renamed.", "success")
            return redirect(url_for("admin.categories"))
    return _render(422, rename_forms={category_id: form})


@bp.post("/categories/<category_id>/move/<direction>")
def move_category(category_id, direction):
    return _button(lambda actor: service.move(actor, category_id, direction), "Category moved.")


@bp.post("/categories/<category_id>/delete")
def delete_category(category_id):
    return _button(lambda actor: service.delete(actor, category_id), "Category deleted.")


def _button(action, done: str):
    """A button-only POST (CSRFProtect has checked its token)."""
    try:
        action(current_user)
    except ServiceError as error:
        if error.status == 404:
            raise
        flash_service_error(error)
        return _render(error.status)
    flash(done, "success")
    return redirect(url_for("admin.categories"))
