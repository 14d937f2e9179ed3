"""The publisher docs (/docs/publishing), generated from what the editors and the API check with:
the project's JSON Schemas (app/schemas/manifest.json, auth-config.json) walked into sections of
fields, and the variablesSchema's save rules (variables.wizard_vocabulary) as sections of keywords.
Nothing here is written twice: a property or keyword the rules gain appears on the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .patterns import MAX_PATTERN_LENGTH
from .schemas import project_schema
from .variables import wizard_vocabulary

SCHEMA_FILES = {"manifest": "manifest.json", "authConfig": "auth-config.json"}


@dataclass(frozen=True)
class Constraint:
    text: str
    code: str | None = None  # a literal shown as code after the text (a pattern, the allowed values)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    constraints: tuple[Constraint, ...]
    description: str
    link: str | None = None  # the anchor of the section that describes this field's items


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    description: str
    fields: tuple[Field, ...]
    closed: bool  # no other properties allowed


# --- the project's JSON Schemas ------------------------------------------------------------------


def _resolve(schema: dict, node: Any) -> dict:
    """A subschema with its local `$ref` ("#/$defs/name") merged in (the node's own keys win)."""
    if not isinstance(node, dict):
        return {}
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        return node
    target = _resolve(schema, schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {}))
    return {**target, **{key: value for key, value in node.items() if key != "$ref"}}


def _def_name(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref.removeprefix("#/$defs/") if isinstance(ref, str) and ref.startswith("#/$defs/") else None


def _literals(values) -> str:
    return ", ".join(json.dumps(value) for value in values)


def _length(low: Any, high: Any, unit: str) -> Constraint | None:
    if low is not None and high is not None:
        return Constraint(f"{low} to {high} {unit}")
    if high is not None:
        return Constraint(f"at most {high} {unit}")
    if low is not None:
        return Constraint(f"at least {low} {unit}")
    return None


def constraints_of(node: dict, prefix: str = "") -> list[Constraint]:
    """Every constraint a (resolved) subschema puts on its value, in words."""
    found: list[Constraint | None] = []
    if "const" in node:
        found.append(Constraint("exactly", json.dumps(node["const"])))
    if "enum" in node:
        found.append(Constraint("one of", _literals(node["enum"])))
    if "format" in node:
        found.append(Constraint("format", node["format"]))
    if "pattern" in node:
        found.append(Constraint("matches the regular expression", node["pattern"]))
    found.append(_length(node.get("minLength"), node.get("maxLength"), "characters"))
    found.append(_length(node.get("minItems"), node.get("maxItems"), "items"))
    found.append(_length(node.get("minProperties"), node.get("maxProperties"), "entries"))
    found.append(_length(node.get("minimum"), node.get("maximum"), "(inclusive)"))
    if node.get("uniqueItems"):
        found.append(Constraint("no item twice"))
    return [Constraint(prefix + c.text, c.code) for c in found if c is not None]


def _type_of(node: dict) -> str:
    kind = node.get("type")
    if kind is None and "const" in node:
        kind = type(node["const"]).__name__.replace("str", "string")
    if kind is None and "enum" in node:
        kind = "string" if all(isinstance(v, str) for v in node["enum"]) else "any"
    return kind or "any"


def _field(schema: dict, anchor: str, name: str, node: Any, required: bool) -> Field:
    prop = _resolve(schema, node)
    kind, constraints, link = _type_of(prop), constraints_of(prop), None
    if kind == "array" and isinstance(prop.get("items"), dict):
        items = _resolve(schema, prop["items"])
        if items.get("type") == "object" and _def_name(prop["items"]):
            link = f"{anchor.split('-')[0]}-{_def_name(prop['items'])}"
            kind = f"array of {_def_name(prop['items'])} objects"
        else:
            kind = f"array of {_type_of(items)}s"
            constraints += constraints_of(items, prefix="each item: ")
    return Field(name, kind, required, tuple(constraints), prop.get("description", ""), link)


def _section(schema: dict, anchor: str, title: str, node: dict, description: str = "") -> Section:
    required = set(node.get("required", []))
    fields = tuple(
        _field(schema, anchor, name, prop, name in required)
        for name, prop in node.get("properties", {}).items()
    )
    return Section(
        anchor,
        title,
        description or node.get("description", ""),
        fields,
        node.get("additionalProperties") is False,
    )


def _variant_titles(schema: dict) -> dict[str, str]:
    """`allOf: [{if: {properties: {type: {const: X}}}, then: {$ref: #/$defs/D}}]` -> {D: 'When type is "X"'}."""
    titles = {}
    for rule in schema.get("allOf", []):
        condition, then = rule.get("if", {}).get("properties", {}), _def_name(rule.get("then"))
        for key, test in condition.items():
            if then and isinstance(test, dict) and "const" in test:
                titles[then] = f"When {key} is {json.dumps(test['const'])}"
    return titles


def schema_reference(document: str) -> list[Section]:
    """The sections of one project schema ("manifest" or "authConfig"): the top level, then every
    object it defines (members, dependencies, each authConfig type)."""
    schema = project_schema(SCHEMA_FILES[document])
    sections = [_section(schema, f"{document}-top", "Top level", schema)]
    titles = _variant_titles(schema)
    for name, node in schema.get("$defs", {}).items():
        if node.get("type") == "object":
            title = titles.get(name, f"Each {name}")
            sections.append(_section(schema, f"{document}-{name}", title, node))
    return sections


# --- the variablesSchema's save rules ------------------------------------------------------------

# What each keyword means to the install wizard, and what its value is.
KEYWORDS: dict[str, tuple[str, str]] = {
    "$schema": ("string", "The dialect; only draft 2020-12 is accepted."),
    "$id": ("string", "An identifier for the whole schema (top level only)."),
    "$comment": ("string", "A note for people reading the JSON; ignored by the wizard."),
    "title": ("string", "The label of the field in the install wizard (the top-level title heads the step)."),
    "description": (
        "string",
        "Help text shown under the field (at the top level: under the step's heading).",
    ),
    "type": (
        "string",
        'At the top level always "object"; for a variable: string, integer, number, boolean or array.',
    ),
    "properties": ("object", "The variables, one property each, in the order the wizard shows them."),
    "required": ("array of strings", "The variables an installer must fill in; each must be declared."),
    "additionalProperties": (
        "boolean or schema",
        "Whether values other than the declared variables are accepted.",
    ),
    "default": (
        "the variable's type",
        "Pre-filled in the wizard; checked against the variable's own rules on save.",
    ),
    "enum": ("array of strings", "The choices (a select list); the installer reads the values themselves."),
    "oneOf": (
        "array of choices",
        'Choices with labels, instead of enum: [{"const": "eu", "title": "Europe"}, ...]. The '
        "installer picks and reviews the titles; the const is the value stored.",
    ),
    "format": ("string", "A format the wizard checks."),
    "pattern": (
        "string",
        "A regular expression the value must contain a match for (anchor it with ^ and $).",
    ),
    "patternHint": (
        "string",
        "What a value off the pattern is told, e.g. “a # and lower-case letters” (at most 200 characters).",
    ),
    "examples": (
        "array of strings",
        "1 to 10 valid values; without a patternHint, a value off the pattern is shown the first.",
    ),
    "minLength": ("integer", "The fewest characters."),
    "maxLength": ("integer", "The most characters."),
    "minimum": ("number", "The smallest value allowed."),
    "maximum": ("number", "The largest value allowed."),
    "exclusiveMinimum": ("number", "The value must be greater than this."),
    "exclusiveMaximum": ("number", "The value must be less than this."),
    "multipleOf": ("number", "The value must be a multiple of this."),
    "items": ("schema", 'What each entry of the list is: {"type": "string"} with the item keywords below.'),
    "minItems": ("integer", "The fewest entries."),
    "maxItems": ("integer", "The most entries."),
    "uniqueItems": ("boolean", "No entry twice."),
}


def _keyword_constraints(keyword: str, rules: dict) -> tuple[Constraint, ...]:
    extra = {
        "$schema": (Constraint("exactly", json.dumps(rules["dialect"])),),
        "properties": (
            Constraint(f"at most {rules['max_properties']} variables; names match", rules["name_pattern"]),
            Constraint("names reserved by the install form (refused)", ", ".join(rules["reserved_names"])),
        ),
        "format": (Constraint("one of", _literals(rules["formats"])),),
        "pattern": (
            Constraint(
                f"at most {MAX_PATTERN_LENGTH} characters, run by RE2: no lookaround or backreferences"
            ),
        ),
        "maxLength": (Constraint(f"at most {rules['max_string_value']}"),),
        "oneOf": (
            Constraint(
                f"1 to {rules['max_choices']} objects of exactly const (a string, each once) and an "
                f"optional title (at most {rules['max_hint']} characters); not with enum"
            ),
        ),
    }
    return extra.get(keyword, ())


def _keyword_section(anchor: str, title: str, description: str, keywords: list[str], rules: dict) -> Section:
    """A section of keywords; `type` is the one a variable, an item or the top level must carry."""
    fields = tuple(
        Field(
            keyword,
            KEYWORDS[keyword][0],
            keyword == "type",
            _keyword_constraints(keyword, rules),
            KEYWORDS[keyword][1],
        )
        for keyword in keywords
    )
    return Section(f"variablesSchema-{anchor}", title, description, fields, True)


def variables_reference() -> list[Section]:
    """The variablesSchema's sections: the top level, the keywords every variable takes, those of
    each type, and those of array items, as the save rules accept them."""
    rules = wizard_vocabulary()
    top = (
        "A JSON Schema (draft 2020-12) of type object; each property is one field of the install wizard. "
        "Variables are not secret (installers see them again, the audit log keeps them), so writeOnly and "
        'format "password" are refused: ask for a secret through authConfig (api_key).'
    )
    specs = [
        ("top", "Top level", top, rules["root"]),
        ("common", "Every variable", "Keywords any variable may use, whatever its type.", rules["common"]),
    ]
    for kind, keywords in rules["types"].items():
        if keywords:
            lead = "A list of strings. " if kind == "array" else ""
            described = f"{lead}Besides the keywords of every variable, a {kind} variable may use these."
            specs.append((kind, f"{kind.capitalize()} variables", described, keywords))
    items = (
        f"The items of an array variable: at most {rules['max_array_value']} values, "
        f"each at most {rules['max_string_value']} characters."
    )
    specs.append(("items", "Array items", items, rules["items"]))
    return [_keyword_section(anchor, title, text, keywords, rules) for anchor, title, text, keywords in specs]
