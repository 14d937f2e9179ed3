"""Form pieces shared by several blueprints, and the one way a service error reaches a form."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field

from ..domain import documents
from ..services.errors import NotFound, ServiceError

# A document's problems sit beside the text area holding that document.
DOCUMENT_FIELDS = {
    documents.MANIFEST: "manifest",
    documents.VARIABLES: "variables_schema",
    documents.AUTH: "auth_config",
}


class ButtonForm(FlaskForm):
    """An empty form that only carries the CSRF token, for button-only POSTs."""


def apply_service_error(form: FlaskForm, error: ServiceError, *, summary: bool = False) -> None:
    """Put a service's typed error on the form that asked: each problem of `error.details` beside
    its field (a document's beside its text area, with line and path), an error without details
    beside `error.field`, and whatever names no field of this form at the top of the form.
    `summary` also puts `error.message` at the top (a form whose problems are listed field by field).

    NotFound is no form problem: it propagates, and the page answers 404 like any unseen object."""
    if isinstance(error, NotFound):
        raise error
    problems = error.details or [{"field": error.field, "message": error.message}]
    for problem in problems:
        field = _field_for(form, problem)
        if field is None:
            form.form_errors.append(_message(problem))
        else:
            field.errors = [*field.errors, _message(problem)]
    if summary and error.message not in form.form_errors:
        form.form_errors.insert(0, error.message)


def flash_service_error(error: ServiceError) -> None:
    """The same for a button POST whose page has no form to hold the error: a flash message (the
    first problem's when `details` lists them). NotFound propagates here too."""
    if isinstance(error, NotFound):
        raise error
    flash(error.details[0]["message"] if error.details else error.message, "error")


def _field_for(form: FlaskForm, problem: dict):
    name = DOCUMENT_FIELDS.get(problem.get("document")) or problem.get("field")
    if not name:
        return None
    generated = getattr(form, "variable_fields", None)  # a form built from a variablesSchema
    if generated is not None:
        return generated.get(name)
    field = getattr(form, name, None)
    return field if isinstance(field, Field) else None


def _message(problem: dict) -> str:
    if "document" not in problem:
        return problem["message"]
    where = f"line {problem['line']}, " if problem.get("line") else ""
    return f"{where}{problem['path']}: {problem['message']}"
