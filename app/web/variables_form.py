"""The install wizard's variables form, generated from an integration's variablesSchema.

The same form serves the wizard (step 4) and the dashboard's live preview. Only the subset
of JSON Schema that app.domain.documents lets a publisher save is rendered:

| schema                                  | field                                            |
|-----------------------------------------|--------------------------------------------------|
| string                                  | text input (`minlength`/`maxlength`/`pattern`)   |
| string + enum / oneOf (const + title)   | select (a oneOf's titles label the options)      |
| string + format email / uri / date      | input type=email / url / date (value stays text) |
| integer / number (+ bounds)             | input type=number (typed in form_values)         |
| boolean                                 | checkbox                                         |
| array of strings                        | textarea, one value per line (select multiple    |
|                                         | when items have an enum or labelled oneOf)       |

`title` is the label, `description` the hint, `default` (or the manifest's defaults) the
initial value, `required` marks the field. Validation is jsonschema's, through
documents.validate_values, so the wizard and the API agree on every rule; the errors land
beside their fields.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput, EmailInput, NumberInput, TextInput, URLInput

from ..domain import strict_json
from ..domain.documents import choices, validate_values

__all__ = ["build_variables_form", "form_values", "validate_values", "VariablesForm"]

_INPUTS = {"email": EmailInput, "uri": URLInput, "date": DateInput}


class _Flags:
    """A validator that only sets HTML/macro flags (required, minlength, ...); jsonschema validates."""

    def __init__(self, **flags):
        self.field_flags = flags

    def __call__(self, form, field):
        return None


class VariablesForm(FlaskForm):
    """Base of every generated form. `validate()` runs jsonschema over the typed values."""

    schema: dict = {}
    variable_fields: dict = {}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        errors = validate_values(self.schema, form_values(self, self.schema))
        for name, messages in errors.items():
            field = self.variable_fields.get(name)
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = list(field.errors) + messages
        return ok and not errors


def _properties(schema: dict) -> dict[str, dict]:
    properties = (schema or {}).get("properties") or {}
    return (
        {k: v for k, v in properties.items() if isinstance(v, dict)} if isinstance(properties, dict) else {}
    )


def _required(schema: dict) -> set[str]:
    required = (schema or {}).get("required") or []
    return {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()


def _string_flags(prop: dict, required: bool) -> dict:
    flags: dict[str, Any] = {"required": True} if required else {}
    if isinstance(prop.get("minLength"), int):
        flags["minlength"] = prop["minLength"]
    if isinstance(prop.get("maxLength"), int):
        flags["maxlength"] = prop["maxLength"]
    return flags


def _number_flags(prop: dict, required: bool, integer: bool) -> dict:
    flags: dict[str, Any] = {"required": True} if required else {}
    for keyword, flag in (("minimum", "min"), ("maximum", "max")):
        if isinstance(prop.get(keyword), (int, float)) and not isinstance(prop.get(keyword), bool):
            flags[flag] = prop[keyword]
    flags["step"] = 1 if integer else "any"
    return flags


def _choices(options: list[tuple[str, str]], required: bool) -> list[SelectChoice]:
    listed = [SelectChoice(value, label) for value, label in options]
    return listed if required else [SelectChoice("", "— none —")] + listed


def _field_for(name: str, prop: dict, required: bool):
    label = prop.get("title") or name
    description = prop.get("description") or ""
    kind = prop.get("type")
    if kind == "boolean":
        return BooleanField(label, description=description, validators=[_Flags()])
    if kind in ("integer", "number"):
        widget = NumberInput(step=1 if kind == "integer" else "any")
        return StringField(
            label,
            description=description,
            widget=widget,
            validators=[_Flags(**_number_flags(prop, required, kind == "integer"))],
        )
    if kind == "array":
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        if choices(items) is not None:
            return SelectMultipleField(
                label,
                description=description,
                choices=_choices(choices(items), True),
                validate_choice=False,
                validators=[_Flags(required=required)],
            )
        hint = (description + " " if description else "") + "One value per line."
        return TextAreaField(
            label,
            description=hint,
            validators=[_Flags(**({"required": True} if required else {}))],
            render_kw={"rows": 4},
        )
    if choices(prop) is not None:
        return SelectField(
            label,
            description=description,
            choices=_choices(choices(prop), required),
            validate_choice=False,
            validators=[_Flags(**({"required": True} if required else {}))],
        )
    widget = _INPUTS.get(prop.get("format"), TextInput)()
    return StringField(
        label, description=description, widget=widget, validators=[_Flags(**_string_flags(prop, required))]
    )


def _initial(prop: dict, value: Any) -> Any:
    kind = prop.get("type")
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind == "array":
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        values = value if isinstance(value, list) else [value]
        return [str(v) for v in values] if choices(items) is not None else "\n".join(str(v) for v in values)
    return str(value)


def build_variables_form(
    schema: dict, *, defaults: dict | None = None, formdata=None, prefix: str = "var-", csrf: bool = True
) -> VariablesForm:
    """A form for `schema`'s properties. `formdata` (e.g. request.form) binds what was posted;
    None shows the initial values: `defaults` (the manifest's) over each property's `default`.
    HTML names are prefix + property name. csrf=False for a form embedded in another form."""
    properties = _properties(schema)
    required = _required(schema)
    attrs = {name: _field_for(name, prop, name in required) for name, prop in properties.items()}
    form_class = type("GeneratedVariablesForm", (VariablesForm,), attrs)
    defaults = defaults if isinstance(defaults, dict) else {}
    data = {
        name: _initial(prop, defaults.get(name, prop.get("default"))) for name, prop in properties.items()
    }
    form = form_class(
        formdata=formdata,
        data={k: v for k, v in data.items() if v is not None},
        prefix=prefix,
        meta={"csrf": csrf},
    )
    form.schema = schema or {}
    form.variable_fields = {name: form[name] for name in properties}
    return form


def _number(text: str, integer: bool) -> Any:
    digits = text.strip().lstrip("+-")
    if digits.isdigit() and len(digits) > strict_json.MAX_INTEGER_DIGITS:
        return text  # past 64 bits: jsonschema answers "Enter a number." rather than store a huge int
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            return text  # jsonschema answers "Enter a number."
        if value != value or value in (float("inf"), float("-inf")):
            return text
        if integer and value.is_integer():
            return int(value)
    return value


def form_values(form: VariablesForm, schema: dict) -> dict[str, Any]:
    """The typed JSON values of a bound form: ints, floats, bools, lists of strings. An empty
    optional value is left out (a missing required one is then reported by validate_values)."""
    values: dict[str, Any] = {}
    for name, prop in _properties(schema).items():
        if name not in form:
            continue
        data = form[name].data
        kind = prop.get("type")
        if kind == "boolean":
            values[name] = bool(data)
            continue
        if kind == "array":
            items = data if isinstance(data, list) else str(data or "").splitlines()
            items = [item.strip() for item in items if item and item.strip()]
            if items:
                values[name] = items
            continue
        text = (data or "").strip() if isinstance(data, str) else ("" if data is None else str(data))
        if text == "":
            continue
        values[name] = _number(text, kind == "integer") if kind in ("integer", "number") else text
    return values
