"""The structured editors' composition, both ways: a document shown in the form composes back to
itself (unknown keys carried), typed rows compose to the document they describe, what the form
cannot show is refused whole, and which view wins a post."""

import json

import pytest
from werkzeug.datastructures import MultiDict

from app.domain.documents import examples, pretty
from app.web.dashboard import editors
from app.web.dashboard.editors import auth, manifest, variables
from app.web.dashboard.editors.common import parse_op, path_parts

WORKED = examples.examples()


@pytest.mark.parametrize(
    ("editor", "document"),
    [
        (variables, WORKED["variablesSchema"]),
        (manifest, WORKED["manifest"]),
        *[(auth, config) for config in WORKED["authConfig"].values()],
        (variables, {}),
        (auth, {}),
        (manifest, {"members": [], "dependencies": []}),
    ],
)
def test_a_shown_document_composes_back_to_itself(editor, document):
    state, reason = editor.view(document)
    assert state is not None, reason
    composed = editor.compose(state)
    if document:  # an empty document is shown as an empty form, composed as the form's empty document
        assert composed == document


@pytest.mark.parametrize(
    ("editor", "document"),
    [
        (
            variables,
            {
                "$comment": "kept",
                "type": "object",
                "properties": {
                    "n": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5, "title": " padded "},
                    "tags": {
                        "type": "array",
                        "items": {"type": "string", "maxLength": 9},
                        "uniqueItems": True,
                    },
                    "s": {"type": "string", "default": "", "format": "hostname", "enum": ["a\nb"]},
                },
            },
        ),
        (
            auth,
            {"type": "api_key", "authHeaderName": "X", "authValuePrefix": "", "accessDescription": "Reads"},
        ),
        (auth, {"type": "oauth2", "scopes": ["a"], "test": {"method": "GET", "url": "https://x.example"}}),
        (manifest, {"members": [{"key": "a", "kind": "b", "name": "c", "x": 1}], "future": True}),
        (manifest, {"dependencies": [{"integration": "a/b", "version": ""}]}),
    ],
)
def test_keys_the_form_does_not_show_are_carried_untouched(editor, document):
    state, _ = editor.view(document)
    composed = editor.compose(state)
    for key, value in document.items():
        if key not in ("members", "dependencies", "properties"):
            assert composed[key] == value
    if editor is variables:
        assert composed["properties"] == document["properties"]
        assert variables.view(document)[0].fields[0].extra == {
            "exclusiveMinimum": 0,
            "multipleOf": 0.5,
            "title": " padded ",
        }
    if editor is manifest and "members" in document:
        assert composed["members"] == document["members"]
    if editor is manifest and "dependencies" in document:
        assert composed["dependencies"] == document["dependencies"]


@pytest.mark.parametrize(
    ("editor", "document", "why"),
    [
        (variables, {"type": "object", "oneOf": [{}]}, "oneOf"),
        (
            variables,
            {"type": "object", "properties": {"o": {"type": "object", "properties": {}}}},
            "uses properties",
        ),
        (variables, {"type": "object", "properties": {"o": {"type": "null"}}}, "type"),
        (variables, {"type": "object", "properties": {"m": {"oneOf": [{"const": 1}]}}}, "“m”"),
        (
            variables,
            {"type": "object", "properties": {"l": {"type": "array", "items": {"type": "integer"}}}},
            "texts",
        ),
        (variables, {"type": "object", "properties": {}, "required": ["ghost"]}, "required"),
        (variables, [], "object"),
        (auth, {"type": "saml"}, "saml"),
        (manifest, {"members": {"a": 1}}, "lists"),
        (manifest, {"members": ["a"]}, "object"),
    ],
)
def test_what_the_form_cannot_show_is_refused_whole(editor, document, why):
    state, reason = editor.view(document)
    assert state is None and why in reason


def test_typed_rows_compose_the_schema_they_describe():
    form = MultiDict(
        {
            "var-count": "2",
            "var-0-key": "project",
            "var-0-type": "string",
            "var-0-required": "y",
            "var-0-pattern": "^[A-Z]+$",
            "var-0-patternHint": "Capitals",
            "var-0-examples": "OPS\r\nDEV\n",
            "var-0-min": "2",
            "var-1-key": "labels",
            "var-1-type": "array",
            "var-1-enum": "a\nb",
            "var-1-max": "2",
            "var-1-default": '["a"]',
            "var-1-items-extra": '{"maxLength": 5}',
            "var-extra": '{"$schema": "https://json-schema.org/draft/2020-12/schema"}',
        }
    )
    state = variables.read(form)
    assert variables.compose(state) == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "project": {
                "type": "string",
                "pattern": "^[A-Z]+$",
                "patternHint": "Capitals",
                "examples": ["OPS", "DEV"],
                "minLength": 2,
            },
            "labels": {
                "type": "array",
                "default": ["a"],
                "items": {"type": "string", "enum": ["a", "b"], "maxLength": 5},
                "maxItems": 2,
            },
        },
        "required": ["project"],
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"var-0-type": "integer", "var-0-default": "1.5"}, "var-0-default", "whole number"),
        ({"var-0-type": "boolean", "var-0-default": "yes"}, "var-0-default", "true or false"),
        ({"var-0-type": "integer", "var-0-enum": "a"}, "var-0-enum", "Only text and list"),
        ({"var-0-type": "boolean", "var-0-max": "3"}, "var-0-max", "no bounds"),
        ({"var-0-type": "array", "var-0-default": "[" * 100_000}, "var-0-default", "JSON list"),
        ({"var-0-type": "integer", "var-0-min": "[" * 100_000}, "var-0-min", "whole number"),
        ({"var-0-type": "number", "var-0-max": "NaN"}, "var-0-max", "Enter a number"),
        ({"var-0-key": ""}, "var-0-key", "Give the variable a key"),
        ({"var-count": "2", "var-1-key": "a"}, "var-1-key", "already"),
    ],
)
def test_fields_that_cannot_be_read_are_marked(changes, field, message):
    form = MultiDict({"var-count": "1", "var-0-key": "a", "var-0-type": "string", **changes})
    state = variables.read(form)
    assert variables.compose(state) is None
    assert message in " ".join(state.errors[field])


def test_auth_form_reads_each_type_and_composes_the_chosen_one():
    form = MultiDict(
        {
            "auth-type": "oauth2",
            "auth-oauth2-authorizeUrl": " https://id.example/a ",
            "auth-oauth2-tokenUrl": "https://id.example/t",
            "auth-oauth2-clientId": "c",
            "auth-oauth2-scopes-count": "3",
            "auth-oauth2-scopes-0": "read",
            "auth-oauth2-scopes-1": "",
            "auth-oauth2-scopes-2": "write",
            "auth-api_key-authHeaderName": "X-Kept",  # another type's value: kept in the form, not in the JSON
            "auth-extra": '{"x-note": 1}',
        }
    )
    state = auth.read(form)
    assert auth.compose(state) == {
        "type": "oauth2",
        "authorizeUrl": "https://id.example/a",
        "tokenUrl": "https://id.example/t",
        "scopes": ["read", "write"],
        "clientId": "c",
        "x-note": 1,
    }
    assert state.value("api_key", "authHeaderName") == "X-Kept"
    auth.apply(state, "add", -1, "oauth2-scopes")
    assert state.values["oauth2"]["scopes"][-1] == "" and state.focus == "auth-oauth2-scopes-3"


def test_the_auth_form_follows_its_schema():
    kinds = auth.types()
    assert set(kinds) == {"oauth2", "api_key", "none"} and kinds["none"] == ()
    oauth2 = {spec.key: spec for spec in kinds["oauth2"]}
    assert oauth2["scopes"].kind == "list" and oauth2["scopes"].required
    assert oauth2["authorizeUrl"].kind == "url" and oauth2["authorizeUrl"].label == "Authorize URL"
    assert {spec.key: spec.kind for spec in kinds["api_key"]}["instructions"] == "longtext"


def _posted(name, document, **fields):
    """A post of one document as its page had it, with some changes."""
    view = editors.from_document(name, document)
    form = MultiDict({view.field: view.raw, view.field + "_base": view.base, **fields})
    return form, view


def test_which_view_wins_a_post_without_javascript():
    doc = {"type": "api_key", "authHeaderName": "A", "authValuePrefix": ""}
    shown = {
        "auth-shown": "1",
        "auth-type": "api_key",
        "auth-api_key-authHeaderName": "A",
        "auth-api_key-authValuePrefix": "",
    }
    form, _ = _posted("authConfig", doc, **shown)
    unchanged = editors.resolve(form, "authConfig")
    assert unchanged.raw == pretty(doc) and unchanged.saveable

    form, _ = _posted("authConfig", doc, **{**shown, "auth-api_key-authHeaderName": "B"})
    structured = editors.resolve(form, "authConfig")
    assert json.loads(structured.raw)["authHeaderName"] == "B" and structured.base == structured.raw

    form, _ = _posted("authConfig", doc, **shown)
    form["auth_config"] = '{"type": "none"}'
    raw = editors.resolve(form, "authConfig")
    assert raw.raw == '{"type": "none"}' and raw.state.type == "none"

    form["auth-api_key-authHeaderName"] = "B"
    both = editors.resolve(form, "authConfig")
    assert both.conflict and not both.saveable and both.raw == '{"type": "none"}'
    form["auth_config_source"] = "raw"
    assert editors.resolve(form, "authConfig").raw == '{"type": "none"}'
    form["auth_config_source"] = "structured"
    assert json.loads(editors.resolve(form, "authConfig").raw)["authHeaderName"] == "B"


def test_a_row_button_never_overwrites_json_typed_without_javascript():
    doc = {"members": [], "dependencies": []}
    form, _ = _posted(
        "manifest", doc, **{"man-shown": "1", "man-members-count": "0", "man-dependencies-count": "0"}
    )
    form["manifest"] = '{"members": [], "dependencies": [], "x": 1}'
    view = editors.resolve(form, "manifest", parse_op("man-members-add"))
    assert view.conflict and view.raw == '{"members": [], "dependencies": [], "x": 1}'
    assert len(view.state.members) == 1


def test_json_the_form_cannot_show_is_used_as_typed():
    form = MultiDict({"variables_schema": "{not json", "variables_schema_base": "{}"})  # no var-shown marker
    view = editors.resolve(form, "variablesSchema")
    assert view.state is None and view.raw == "{not json" and view.open_advanced


def test_paths_and_ops_parse():
    assert path_parts('$.members[0]["a b"].kind') == ("members", 0, "a b", "kind")
    assert path_parts("$") == ()
    assert parse_op("auth-api_key-x-remove-2") == ("auth-api_key-x", "remove", 2)
    assert parse_op("var-add") == ("var", "add", -1)
    assert parse_op("refresh") is None and parse_op(None) is None


def test_problems_land_beside_their_inputs():
    state, _ = variables.view(WORKED["variablesSchema"])
    variables.place(state, ("properties", "batchSize", "maximum"), "Too big.")
    variables.place(state, ("properties", "labels", "items", "enum"), "Bad.")
    variables.place(state, ("title",), "Whole.")
    index = [row.key for row in state.fields]
    assert state.errors[f"var-{index.index('batchSize')}-max"] == ["Too big."]
    assert state.errors[f"var-{index.index('labels')}-enum"] == ["Bad."]
    assert state.general == ["Whole."]
    man, _ = manifest.view({"members": [{"key": "a", "kind": "b", "name": "c"}]})
    manifest.place(man, ("members", 0, "forkOnInstall"), "Boolean.")
    assert man.errors["man-members-0-fork"] == ["Boolean."]


def test_keys_the_auth_schema_gains_get_inputs():
    """accessDescription (api_key) and test ({method, url, expectStatus}) as other branches add them."""
    schema = {
        "$defs": {
            "endpoint": {"type": "string"},
            "test": {
                "type": "object",
                "properties": {
                    "method": {"enum": ["GET", "HEAD"], "type": "string"},
                    "url": {"$ref": "#/$defs/endpoint"},
                    "expectStatus": {"type": "integer"},
                },
                "required": ["url"],
            },
        }
    }
    access = auth._input(schema, "accessDescription", {"type": "string", "maxLength": 500}, False)
    assert access.kind == "text" and access.label == "What the key lets the integration do"
    test = auth._input(schema, "test", {"$ref": "#/$defs/test"}, False)
    parts = {p.key: p for p in test.parts}
    assert test.kind == "object" and parts["method"].choices == ("GET", "HEAD")
    assert parts["url"].kind == "url" and parts["url"].required and parts["expectStatus"].kind == "integer"
    value = {"method": "GET", "url": "https://x.example/me", "expectStatus": 200}
    assert auth._shown(test, value) == {"method": "GET", "url": "https://x.example/me", "expectStatus": "200"}
    assert auth._shown(test, {**value, "method": "PATCH"}) is None  # carried whole instead
    state = auth.State(type="api_key")
    assert auth._compose_value(
        state, test, {"method": "", "url": "https://x.example", "expectStatus": "204"}
    ) == (
        True,
        {"url": "https://x.example", "expectStatus": 204},
    )
