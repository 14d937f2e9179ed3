"""Form pieces shared by several blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ..services.errors import ServiceError


class ButtonForm(FlaskForm):
    """An empty form that only carries the CSRF token, for button-only POSTs."""


def apply_service_error(form: FlaskForm, error: ServiceError) -> None:
    """Put a service's typed error beside its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        errors = list(field.errors) if not isinstance(field.errors, list) else field.errors
        errors.append(error.message)
        field.errors = errors
    else:
        form.form_errors.append(error.message)
