"""The wizard's variables form: generated from the pinned version's variablesSchema by the shared
app/web/variables_form.py (the dashboard's live preview uses the same), prefilled with what the
installer typed so far or the manifest defaults. The generated form validates with jsonschema and
puts errors beside their fields; a service's ValidationFailed (a problem per property in `details`)
goes there too, through app/web/forms.py apply_service_error."""

from __future__ import annotations

from ..variables_form import build_variables_form, form_values

PREFIX = "var-"


def variables_form(schema: dict, values: dict, formdata=None):
    return build_variables_form(schema, defaults=values, formdata=formdata, prefix=PREFIX)


def variables_from(form, schema: dict) -> dict:
    return form_values(form, schema)
