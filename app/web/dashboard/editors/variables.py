"""The variables builder: a variablesSchema as rows of fields (key, title, type, required,
default, choices, format, pattern with its hint and examples, bounds) and back.

A schema is shown only when every keyword of it has a place in the builder or is one the install
wizard accepts and the builder carries untouched (exclusiveMinimum, multipleOf, $comment...); a
schema with anything else (oneOf, nested objects, keywords the wizard refuses) is not shown at all,
so the builder can never rewrite what it does not understand: it stays editable in Advanced."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ....domain.documents import variables as rules
from ....domain.documents.schemas import SUPPORTED_FORMATS
from .common import (
    carried,
    carry,
    is_number,
    is_text,
    lines,
    move,
    parse_number,
    row_count,
    text,
    text_list,
    typed_json,
)

PREFIX = "var"
TYPES = ("string", "integer", "number", "boolean", "array")
TYPE_LABELS = {
    "string": "Text",
    "integer": "Whole number",
    "number": "Number",
    "boolean": "Yes / no",
    "array": "List of texts",
}
BOUNDS = {
    "string": ("minLength", "maxLength"),
    "integer": ("minimum", "maximum"),
    "number": ("minimum", "maximum"),
    "array": ("minItems", "maxItems"),
}
BOUND_LABELS = {"string": "characters", "integer": "value", "number": "value", "array": "items"}
# Keywords that sit on the property for text, on `items` for lists of texts.
TEXT_KEYWORDS = ("enum", "format", "pattern", "patternHint", "examples")
ROOT_KEYS = frozenset(rules._ROOT_KEYWORDS)


# The builder's inputs and the keywords each writes (the publisher docs list them).
INPUTS = (
    ("Key", "the property's name"),
    ("Title", "title"),
    ("Type", "type"),
    ("Required", "required (at the top level)"),
    ("Description", "description"),
    ("Default", "default"),
    ("Choices", "enum (on items for a list)"),
    ("Format", "format (on items for a list)"),
    ("Pattern", "pattern (on items for a list)"),
    ("Pattern hint", "patternHint (on items for a list)"),
    ("Examples", "examples (on items for a list)"),
    ("Minimum / Maximum", "minLength/maxLength, minimum/maximum or minItems/maxItems, by type"),
)


@dataclass
class Field:
    key: str = ""
    title: str = ""
    description: str = ""
    type: str = "string"
    required: bool = False
    default: str = ""
    enum: str = ""  # one choice a line
    format: str = ""
    pattern: str = ""
    patternHint: str = ""
    examples: str = ""  # one a line
    min: str = ""
    max: str = ""
    extra: dict = field(default_factory=dict)  # the property's keywords the builder does not show
    items_extra: dict = field(default_factory=dict)


@dataclass
class State:
    fields: list[Field] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # root keywords other than properties and required
    errors: dict[str, list[str]] = field(default_factory=dict)  # input name -> messages
    general: list[str] = field(default_factory=list)
    focus: str | None = None

    def name(self, i: int, part: str) -> str:
        return f"{PREFIX}-{i}-{part}"


# --- document -> form --------------------------------------------------------------------------


class Unshowable(ValueError):
    pass


def _default_text(kind: str, value: Any) -> str | None:
    if kind == "string":
        return value if is_text(value) else None
    if kind in ("integer", "number"):
        return json.dumps(value) if is_number(value) else None
    if kind == "boolean":
        return ("true" if value else "false") if isinstance(value, bool) else None
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else None


def _take_text_keywords(row: Field, source: dict, leftover: dict) -> None:
    for key in TEXT_KEYWORDS:
        if key not in source:
            continue
        value = source[key]
        if key in ("enum", "examples") and text_list(value) and value:
            setattr(row, key, "\n".join(value))
        elif key == "format" and value in SUPPORTED_FORMATS:
            row.format = value
        elif (
            key == "pattern"
            and is_text(value)
            or key == "patternHint"
            and is_text(value)
            and value == value.strip()
        ):
            setattr(row, key, value)
        else:
            leftover[key] = value


def _checked_kind(name: str, prop: Any) -> str:
    """The property's type, if the builder offers it and knows every keyword (else Unshowable)."""
    if not isinstance(prop, dict):
        raise Unshowable(f"the variable “{name}” is not described by an object")
    kind = prop.get("type")
    if kind not in TYPES:
        known = set().union(*rules._KEYWORDS.values())
        unknown = [k for k in prop if k not in known]
        if unknown:
            raise Unshowable(f"the variable “{name}” uses {', '.join(unknown)}")
        raise Unshowable(f"the variable “{name}” has a type the builder does not offer ({json.dumps(kind)})")
    unknown = [k for k in prop if k not in rules._KEYWORDS[kind]]
    if unknown:
        raise Unshowable(f"the variable “{name}” uses {', '.join(unknown)}")
    return kind


def _take_plain(row: Field, kind: str, rest: dict) -> None:
    """Title, description, default and bounds, where the inputs show them exactly (popped from rest)."""
    for key in ("title", "description"):
        value = rest.get(key)
        if is_text(value, multiline=key == "description") and value == value.strip():
            setattr(row, key, rest.pop(key))
    if "default" in rest and (shown := _default_text(kind, rest["default"])) is not None:
        row.default = shown
        del rest["default"]
    for attr, key in zip(("min", "max"), BOUNDS.get(kind, ()), strict=False):
        value = rest.get(key)
        if is_number(value) and (kind in ("integer", "number") or isinstance(value, int)):
            setattr(row, attr, json.dumps(value))
            del rest[key]


def _take_items(row: Field, name: str, items: Any) -> None:
    if not isinstance(items, dict) or items.get("type") != "string":
        raise Unshowable(f"the list “{name}” does not hold texts")
    unknown = [k for k in items if k not in rules._ITEM_KEYWORDS]
    if unknown:
        raise Unshowable(f"the items of “{name}” use {', '.join(unknown)}")
    leftover: dict = {}
    _take_text_keywords(row, items, leftover)
    row.items_extra = {k: v for k, v in items.items() if k != "type" and k not in TEXT_KEYWORDS} | leftover


def _field_view(name: str, prop: Any, required: bool) -> Field:
    kind = _checked_kind(name, prop)
    row = Field(key=name, type=kind, required=required)
    rest = {k: v for k, v in prop.items() if k != "type"}
    _take_plain(row, kind, rest)
    if kind == "string":
        leftover: dict = {}
        _take_text_keywords(row, rest, leftover)
        rest = {k: v for k, v in rest.items() if k not in TEXT_KEYWORDS} | leftover
    if kind == "array":
        _take_items(row, name, rest.pop("items", None))
    row.extra = rest
    return row


def view(schema: Any) -> tuple[State | None, str]:
    """The builder's rows for a schema, or (None, why the builder cannot show it)."""
    if not isinstance(schema, dict):
        return None, "it is not a JSON object"
    unknown = [k for k in schema if k not in ROOT_KEYS]
    if unknown:
        return None, f"it uses {', '.join(unknown)} at the top level"
    if schema.get("type", "object") != "object":
        return None, "its type is not “object”"
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if not isinstance(properties, dict):
        return None, "its properties are not an object"
    if not isinstance(required, list) or not all(isinstance(r, str) and r in properties for r in required):
        return None, "its required list names something other than its variables"
    if len(required) != len(set(required)):
        return None, "its required list names a variable twice"
    try:
        rows = [_field_view(name, prop, name in required) for name, prop in properties.items()]
    except Unshowable as why:
        return None, str(why)
    extra = {k: v for k, v in schema.items() if k not in ("properties", "required", "type")}
    return State(fields=rows, extra=extra), ""


# --- form -> document --------------------------------------------------------------------------


def read(form) -> State:
    """The rows as typed (Carried: a hidden field came back damaged)."""
    rows = []
    for i in range(row_count(form, f"{PREFIX}-count")):
        name = lambda part, i=i: f"{PREFIX}-{i}-{part}"  # noqa: E731
        kind = form.get(name("type"))
        rows.append(
            Field(
                key=text(form, name("key")).strip(),
                title=text(form, name("title")).strip(),
                description=text(form, name("description")).strip(),
                type=kind if kind in TYPES else "string",
                required=bool(form.get(name("required"))),
                default=text(form, name("default")),
                enum=text(form, name("enum")),
                format=form.get(name("format")) or "",
                pattern=text(form, name("pattern")),
                patternHint=text(form, name("patternHint")).strip(),
                examples=text(form, name("examples")),
                min=text(form, name("min")).strip(),
                max=text(form, name("max")).strip(),
                extra=carried(form, name("extra")),
                items_extra=carried(form, name("items-extra")),
            )
        )
    return State(fields=rows, extra=carried(form, f"{PREFIX}-extra"))


def _parse_default(row: Field) -> Any:
    raw = row.default if row.type == "string" else row.default.strip()
    if row.type == "string":
        return raw
    if row.type in ("integer", "number"):
        return parse_number(raw, integer=row.type == "integer")
    if row.type == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ValueError(raw)
        return raw.lower() == "true"
    value = typed_json(raw)
    if not isinstance(value, list):
        raise ValueError(raw)
    return value


DEFAULT_HELP = {
    "string": "",
    "integer": "Enter a whole number.",
    "number": "Enter a number.",
    "boolean": "Enter true or false.",
    "array": 'Enter a JSON list, e.g. ["a", "b"].',
}


def _error(state: State, i: int, part: str, message: str) -> None:
    state.errors.setdefault(state.name(i, part), []).append(message)


def _compose_text_keywords(state: State, i: int, row: Field, target: dict | None) -> None:
    for key in TEXT_KEYWORDS:
        value = getattr(row, key)
        if not value.strip():
            continue
        if target is None:
            _error(state, i, key, "Only text and list variables take this; clear it or change the type.")
        else:
            target[key] = lines(value) if key in ("enum", "examples") else value


def _compose_bounds(state: State, i: int, row: Field, prop: dict) -> None:
    for attr, key in zip(("min", "max"), BOUNDS.get(row.type, ("", "")), strict=True):
        value = getattr(row, attr)
        if not value:
            continue
        if not key:
            _error(state, i, attr, "Yes / no variables take no bounds.")
            continue
        try:
            prop[key] = parse_number(value, integer=row.type != "number")
        except ValueError:
            _error(state, i, attr, "Enter a number." if row.type == "number" else "Enter a whole number.")


def _compose_field(state: State, i: int, row: Field) -> dict:
    prop: dict = {"type": row.type}
    for key in ("title", "description"):
        if getattr(row, key):
            prop[key] = getattr(row, key)
    if row.default != "" and (row.type == "string" or row.default.strip()):
        try:
            prop["default"] = _parse_default(row)
        except ValueError:
            _error(state, i, "default", DEFAULT_HELP[row.type])
    target = prop if row.type == "string" else {"type": "string"} if row.type == "array" else None
    _compose_text_keywords(state, i, row, target)
    if row.type == "array":
        prop["items"] = {**target, **{k: v for k, v in row.items_extra.items() if k not in target}}
    _compose_bounds(state, i, row, prop)
    return {**prop, **{k: v for k, v in row.extra.items() if k not in prop}}


def compose(state: State) -> dict | None:
    """The schema the rows describe; None (with state.errors set) when a field cannot be read."""
    state.errors = {}
    properties: dict = {}
    for i, row in enumerate(state.fields):
        if not row.key:
            state.errors.setdefault(state.name(i, "key"), []).append("Give the variable a key.")
            continue
        if row.key in properties:
            state.errors.setdefault(state.name(i, "key"), []).append(
                f"Another variable is “{row.key}” already."
            )
            continue
        properties[row.key] = _compose_field(state, i, row)
    if state.errors:
        return None
    schema: dict = {}
    for key, value in state.extra.items():
        if key == "$schema" or key == "$id":
            schema[key] = value
    schema["type"] = "object"
    schema.update({k: v for k, v in state.extra.items() if k not in schema})
    schema["properties"] = properties
    required = [row.key for row in state.fields if row.required]
    if required:
        schema["required"] = required
    return schema


def apply(state: State, op: str, index: int) -> None:
    if op == "add":
        state.fields.append(Field())
    focus = move(state.fields, op, index)
    state.focus = state.name(focus, "key") if focus is not None else f"{PREFIX}-add"


def place(state: State, parts: tuple, message: str) -> None:
    """A problem at a schema path, beside the input it is about (or above the rows)."""
    index = {row.key: i for i, row in enumerate(state.fields)}
    if len(parts) >= 2 and parts[0] == "properties" and parts[1] in index:
        i, rest = index[parts[1]], parts[2:]
        if rest[:1] == ("items",):
            rest = rest[1:]
        key = rest[0] if rest else "key"
        kind = state.fields[i].type
        bounds = BOUNDS.get(kind, ())
        part = "min" if bounds and key == bounds[0] else "max" if bounds and key == bounds[1] else key
        if part in ("key", "title", "description", "type", "default", *TEXT_KEYWORDS, "min", "max"):
            state.errors.setdefault(state.name(i, part), []).append(message)
            return
        state.errors.setdefault(state.name(i, "key"), []).append(f"{key}: {message}")
        return
    state.general.append(message)


def hidden(state: State) -> dict[str, str]:
    return {f"{PREFIX}-count": str(len(state.fields)), f"{PREFIX}-extra": carry(state.extra)}


def row_hidden(state: State, i: int) -> dict[str, str]:
    row = state.fields[i]
    return {state.name(i, "extra"): carry(row.extra), state.name(i, "items-extra"): carry(row.items_extra)}
