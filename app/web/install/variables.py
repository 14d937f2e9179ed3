"""The wizard's variables form: generated from the pinned version's variablesSchema by the shared
app/web/variables_form.py (the dashboard's live preview uses the same), prefilled with what the
installer typed so far or the manifest defaults. The generated form validates with jsonschema and
puts errors beside their fields; a service's ValidationFailed (details by property) goes there too."""

from __future__ import annotations

from ...services.errors import ValidationFailed
from ..variables_form import build_variables_form, form_values

PREFIX = "var-"


def variables_form(schema: dict, values: dict, formdata=None):
    return build_variables_form(schema, defaults=values, formdata=formdata, prefix=PREFIX)


def variables_from(form, schema: dict) -> dict:
    return form_values(form, schema)


def apply_variable_errors(form, error: ValidationFailed) -> None:
    """Each property's messages beside its field; the rest at the top of the form."""
    details = error.details if isinstance(error.details, dict) else {}
    for name, messages in details.items():
        field = form.variable_fields.get(name) if name else None
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = list(field.errors or []) + list(messages)
    if not details:
        form.form_errors.append(error.message)
