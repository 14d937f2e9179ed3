"""The authConfig form, driven by app/schemas/auth-config.json: one section of inputs per type
(oauth2, api_key, none), each input chosen from its property's schema (text, URL, long text,
a list of rows, a whole number, a small object of those). A key the schema gains appears in the
form without a change here; keys the form does not know are carried through untouched.

The values of the types not chosen stay in the form (as hidden inputs), so switching the type and
back loses nothing typed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ....domain.documents.schemas import project_schema
from .common import carried, carry, move, parse_number, row_count, text, text_list

PREFIX = "auth"
TYPE_LABELS = {"oauth2": "OAuth2 sign-in", "api_key": "API key", "none": "No sign-in"}
LABELS = {
    "authorizeUrl": "Authorize URL",
    "tokenUrl": "Token URL",
    "callbackUrl": "Callback URL",
    "clientId": "Client ID",
    "scopes": "Scopes",
    "authHeaderName": "Header name",
    "authValuePrefix": "Value prefix",
    "instructions": "Instructions for installers",
    "accessDescription": "What the key lets the integration do",
    "test": "Connection test",
    "method": "Method",
    "url": "URL",
    "expectStatus": "Expected status",
}


@dataclass(frozen=True)
class Input:
    key: str
    kind: str  # text | url | longtext | list | integer | object
    label: str
    required: bool
    description: str = ""
    choices: tuple[str, ...] = ()
    parts: tuple[Input, ...] = ()  # an object's inputs


def _label(key: str) -> str:
    return LABELS.get(key) or re.sub(r"(?<!^)(?=[A-Z])", " ", key).capitalize()


def _resolve(schema: dict, node: Any) -> dict:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
        target = schema["$defs"].get(node["$ref"].removeprefix("#/$defs/"), {})
        return {**_resolve(schema, target), **{k: v for k, v in node.items() if k != "$ref"}}
    return node if isinstance(node, dict) else {}


def _input(schema: dict, key: str, node: Any, required: bool) -> Input | None:
    prop = _resolve(schema, node)
    choices = tuple(prop.get("enum", ())) if all(isinstance(v, str) for v in prop.get("enum", ())) else ()
    kind = prop.get("type") or ("string" if choices else None)  # {"enum": [...]} of strings: a select
    description = prop.get("description", "")
    if kind == "string":
        is_url = (
            isinstance(node, dict) and node.get("$ref") == "#/$defs/endpoint" or key.lower().endswith("url")
        )
        shape = "url" if is_url else "longtext" if prop.get("maxLength", 0) > 1000 else "text"
        return Input(key, shape, _label(key), required, description, choices)
    if kind == "integer":
        return Input(key, "integer", _label(key), required, description)
    if kind == "array" and _resolve(schema, prop.get("items")).get("type") == "string":
        return Input(key, "list", _label(key), required, description)
    if kind == "object" and isinstance(prop.get("properties"), dict):
        needed = set(prop.get("required", []))
        parts = tuple(
            part
            for name, sub in prop["properties"].items()
            if (part := _input(schema, name, sub, name in needed)) is not None and part.kind != "object"
        )
        return Input(key, "object", _label(key), required, description, parts=parts)
    return None  # a shape the form cannot show: such a key is carried untouched


@cache
def types() -> dict[str, tuple[Input, ...]]:
    """Each type's inputs, in the schema's order."""
    schema = project_schema("auth-config.json")
    found = {}
    for kind in schema["properties"]["type"]["enum"]:
        node = schema["$defs"].get(kind, {})
        needed = set(node.get("required", []))
        found[kind] = tuple(
            spec
            for key, prop in node.get("properties", {}).items()
            if key != "type" and (spec := _input(schema, key, prop, key in needed)) is not None
        )
    return found


@dataclass
class State:
    type: str = ""
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # type -> key -> str | list | dict
    extra: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    focus: str | None = None

    def value(self, kind: str, key: str, part: str | None = None):
        found = self.values.get(kind, {}).get(key)
        if part is not None:
            return (found or {}).get(part, "")
        return found if found is not None else ""

    @staticmethod
    def name(kind: str, key: str, part: str | None = None) -> str:
        return f"{PREFIX}-{kind}-{key}" + (f"-{part}" if part else "")


# --- document -> form --------------------------------------------------------------------------


def _shown(spec: Input, value: Any) -> Any:
    """The value as the input shows it exactly, or None (then it is carried untouched)."""
    if spec.choices and value not in spec.choices:
        return None  # a select could not show it
    if spec.kind in ("text", "url", "longtext"):
        ok = (
            isinstance(value, str)
            and (value != "" or spec.required)
            and (spec.kind == "longtext" or "\n" not in value)
        )
        return (
            value
            if ok and (spec.kind == "longtext" or value == value.strip() or spec.key == "authValuePrefix")
            else None
        )
    if spec.kind == "integer":
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if spec.kind == "list":
        return list(value) if text_list(value) and (value or spec.required) else None
    if spec.kind == "object" and isinstance(value, dict) and value:
        parts = {p.key: p for p in spec.parts}
        shown = {k: _shown(parts[k], v) if k in parts else None for k, v in value.items()}
        return shown if all(v is not None for v in shown.values()) else None
    return None


def view(config: Any) -> tuple[State | None, str]:
    if not isinstance(config, dict):
        return None, "it is not a JSON object"
    kind = config.get("type", "")
    if kind != "" and kind not in types():
        return None, f"its type {json.dumps(kind)} is not one the form offers"
    state = State(type=kind, values={kind: {}} if kind else {})
    specs = {spec.key: spec for spec in types().get(kind, ())}
    for key, value in config.items():
        if key == "type":
            continue
        shown = _shown(specs[key], value) if key in specs else None
        if shown is None:
            state.extra[key] = value
        else:
            state.values[kind][key] = shown
    return state, ""


# --- form -> document --------------------------------------------------------------------------


def _read_input(form, kind: str, spec: Input) -> Any:
    name = State.name(kind, spec.key)
    if spec.kind == "list":
        return [text(form, f"{name}-{i}").strip() for i in range(row_count(form, f"{name}-count"))]
    if spec.kind == "object":
        return {p.key: text(form, State.name(kind, spec.key, p.key)).strip() for p in spec.parts}
    value = text(form, name)
    return value if spec.kind == "longtext" or spec.key == "authValuePrefix" else value.strip()


def read(form) -> State:
    kind = form.get(f"{PREFIX}-type") or ""
    state = State(type=kind if kind in types() else "", extra=carried(form, f"{PREFIX}-extra"))
    for each, specs in types().items():
        state.values[each] = {spec.key: _read_input(form, each, spec) for spec in specs}
    return state


def _compose_value(state: State, spec: Input, value: Any) -> tuple[bool, Any]:
    """(include it, its JSON value)."""
    if spec.kind == "list":
        rows = [v for v in value if v]
        return bool(rows) or spec.required, rows
    if spec.kind == "integer":
        if not value:
            return False, None
        try:
            return True, parse_number(value, integer=True)
        except ValueError:
            state.errors.setdefault(State.name(state.type, spec.key), []).append("Enter a whole number.")
            return False, None
    if spec.kind == "object":
        value = value if isinstance(value, dict) else {}  # nothing of it typed or shown yet
        found = {}
        for part in spec.parts:
            include, part_value = _compose_part(state, spec, part, value.get(part.key, ""))
            if include:
                found[part.key] = part_value
        return bool(found), found
    return bool(value) or spec.required, value


def _compose_part(state: State, spec: Input, part: Input, value: str) -> tuple[bool, Any]:
    if part.kind == "integer" and value:
        try:
            return True, parse_number(value, integer=True)
        except ValueError:
            state.errors.setdefault(State.name(state.type, spec.key, part.key), []).append(
                "Enter a whole number."
            )
            return False, None
    return bool(value), value


def compose(state: State) -> dict | None:
    state.errors = {}
    config: dict = {"type": state.type} if state.type else {}
    for spec in types().get(state.type, ()):
        include, value = _compose_value(state, spec, state.values.get(state.type, {}).get(spec.key, ""))
        if include:
            config[spec.key] = value
    if state.errors:
        return None
    return {**config, **{k: v for k, v in state.extra.items() if k not in config}}


def apply(state: State, op: str, index: int, target: str) -> None:
    """Row operations on a list input; target is "<type>-<key>"."""
    kind, _, key = target.partition("-")
    rows = state.values.setdefault(kind, {}).setdefault(key, [])
    if not isinstance(rows, list):
        return
    if op == "add":
        rows.append("")
    focus = move(rows, op, index)
    state.focus = f"{State.name(kind, key)}-{focus}" if focus is not None else f"{State.name(kind, key)}-add"


def place(state: State, parts: tuple, message: str) -> None:
    specs = {spec.key: spec for spec in types().get(state.type, ())}
    if parts and parts[0] in specs and state.type:
        spec, name = specs[parts[0]], State.name(state.type, parts[0])
        if spec.kind == "list" and len(parts) > 1 and isinstance(parts[1], int):
            name = f"{name}-{parts[1]}"
        elif spec.kind == "object" and len(parts) > 1 and parts[1] in {p.key for p in spec.parts}:
            name = State.name(state.type, parts[0], parts[1])
        state.errors.setdefault(name, []).append(message)
        return
    if parts == ("type",):
        state.errors.setdefault(f"{PREFIX}-type", []).append(message)
        return
    state.general.append(message)


def hidden(state: State) -> dict[str, str]:
    return {f"{PREFIX}-extra": carry(state.extra)}
