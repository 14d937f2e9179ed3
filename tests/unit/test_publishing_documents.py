"""Every rule of the three JSON documents, with paths and lines, and the security caps."""

import json
import socket
import time
import urllib.request

import pytest

from app.domain import documents as d
from app.domain.documents import parsing

GOOD_SCHEMA = {
    "type": "object",
    "required": ["region"],
    "properties": {
        "region": {"type": "string", "enum": ["us", "eu"], "default": "us"},
        "seats": {"type": "integer", "minimum": 1},
    },
}
GOOD_MANIFEST = {
    "members": [{"key": "sync", "kind": "workflow", "name": "Sync", "forkOnInstall": True}],
    "dependencies": [{"integration": "acme/base", "version": "^1.2.0"}],
    "defaults": {"region": "eu"},
}
GOOD_AUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://id.example/authorize",
    "tokenUrl": "https://id.example/token",
    "scopes": ["read", "write"],
    "clientId": "abc",
}


def texts(manifest=GOOD_MANIFEST, variables=GOOD_SCHEMA, auth=GOOD_AUTH):
    dump = lambda v: v if isinstance(v, str) else json.dumps(v, indent=2)  # noqa: E731
    return {"manifest": dump(manifest), "variablesSchema": dump(variables), "authConfig": dump(auth)}


def problems(**kwargs):
    return d.validate_texts(texts(**kwargs))[1]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_good_documents_pass(no_network):
    values, errors = d.validate_texts(texts())
    assert errors == []
    assert values["manifest"] == GOOD_MANIFEST


def test_every_manifest_problem_has_its_path_and_line():
    manifest = (
        '{\n  "members": [\n    {"key": "a", "kind": "workflow"},\n    {"key": "b", "kind": "Bad Kind", '
        '"name": "B", "colour": 1}\n  ],\n  "dependencies": [{"integration": "acme", "version": "^1"}]\n}'
    )
    found = {(e.path, e.line, e.message) for e in problems(manifest=manifest)}
    assert found == {
        ("$.members[0]", 3, "“name” is required."),
        (
            "$.members[1].kind",
            4,
            '"Bad Kind" does not match the expected form: What the member is, e.g. workflow, '
            "dashboard, connector.",
        ),
        ("$.members[1].colour", 4, "Unknown property “colour”."),
        ("$.dependencies[0].integration", 6, '"acme" does not match the expected form: <publisher>/<slug>'),
    }


def test_duplicate_member_keys_bad_ranges_and_defaults_outside_the_schema():
    manifest = {
        "members": [{"key": "a", "kind": "x", "name": "A"}, {"key": "a", "kind": "x", "name": "B"}],
        "dependencies": [{"integration": "acme/base", "version": ">=banana"}],
        "defaults": {"region": "mars", "ghost": 1},
    }
    by_path = {e.path: e.message for e in problems(manifest=manifest)}
    assert by_path["$.members[1].key"] == "Duplicate member key “a”."
    assert "Invalid version range" in by_path["$.dependencies[0].version"]
    assert by_path["$.defaults.region"] == "Choose one of: us, eu."
    assert by_path["$.defaults.ghost"] == "“ghost” is not a variable in variablesSchema."


def test_not_json_not_an_object_and_empty():
    assert [(e.document, e.line) for e in problems(manifest='{\n "members": [,]\n}')] == [("manifest", 2)]
    assert problems(auth="[1, 2]")[0].message == "The document must be a JSON object ({...})."
    assert problems(variables="   ")[0].message == "Enter a JSON object, e.g. {}."


def test_a_300_level_document_is_refused_quickly_before_parsing(monkeypatch):
    problems(auth="{}")  # the project's own schemas load (once, cached) before json.loads is watched
    real_loads = parsing.json.loads

    def no_deep_parse(text, *args, **kwargs):
        assert len(text) < 1000, "json.loads ran on a too-deep document"
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(parsing.json, "loads", no_deep_parse)
    deep = '{"a":' * 300 + "1" + "}" * 300
    started = time.perf_counter()
    errors = problems(manifest=deep, variables="{" + '"x":' + "[" * 100_000 + "]" * 100_000 + "}", auth="{}")
    assert time.perf_counter() - started < 5  # generous: a hang would never return at all
    assert {(e.document, e.message) for e in errors} >= {
        ("manifest", "The document nests deeper than 32 levels."),
        ("variablesSchema", "The document nests deeper than 32 levels."),
    }


def test_depth_32_is_allowed_and_brackets_inside_strings_do_not_count():
    assert d.nesting_problem('{"a": "' + "[" * 100 + '"}') is None
    assert d.nesting_problem("[" * 32 + "]" * 32) is None
    assert d.nesting_problem("[" * 33 + "]" * 33) == (33, 1)
    assert d.value_depth({"a": [[{"b": 1}]]}) == 4


def test_size_cap():
    big = json.dumps({"members": [], "defaults": {"x": "y" * (d.MAX_DOCUMENT_BYTES + 1)}})
    assert problems(manifest=big)[0].message == "The document is larger than 256 KiB."


def test_remote_ref_is_refused_and_never_fetched(no_network):
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "$defs": {"x": {"$ref": "https://evil.example/schema.json"}},
        "allOf": [{"$dynamicRef": "http://evil.example/dyn"}],
    }
    messages = {(e.path, e.message) for e in problems(variables=schema)}
    assert (
        "$.$defs.x.$ref",
        "Remote references are not allowed ($ref must start with “#”); nothing is ever fetched.",
    ) in messages
    assert any(path == "$.allOf[0].$dynamicRef" for path, _ in messages)
    # and validating values against such a schema (stored before these rules, say) fetches nothing either
    assert d.validate_values({"properties": {"a": {"$ref": "https://evil.example/x"}}}, {"a": 1}) == {
        "": ["The variables schema refers to something outside itself; nothing is fetched."]
    }


@pytest.mark.parametrize(
    "pattern", [r"(a+)+$", r"^(\w*)*$", r"(.*a){20}", r"((ab)*c)+", r"(x+x+)+y", r"(a|b+)*", r"^(a|a)*$"]
)
def test_patterns_that_backtrack_in_python_are_accepted_and_run_on_re2(pattern):
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": pattern}}}
    assert problems(variables=schema, manifest={"members": []}) == []
    started = time.perf_counter()
    d.validate_values(schema, {"code": "a" * 10_000 + "!"})
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"^[A-Z]{3}-\d+$", None),
        (r"(\d{1,3}\.){3}\d{1,3}", None),
        (r"^caf\u00e9$", None),
        ("a" * 201, "A pattern may be at most 200 characters long."),
        ("(unclosed", "Not a valid regular expression: missing ): (unclosed."),
        (r"(a)\1", "(backreference)"),
        (r"(?<n>a)\k<n>", "(backreference)"),
        (r"^(?=.*\d).+$", "(lookahead)"),
        (r"(?<!x)y", "(lookbehind)"),
        (r"(?>a+)b", "(atomic group)"),
        (r"a++b", "(possessive quantifier)"),
        (r"\pL{1,1000}", "This pattern is too large to run; use smaller repeat counts."),
        (7, "A pattern must be a string."),
    ],
)
def test_pattern_caps(pattern, problem):
    found = d.pattern_problem(pattern)
    if problem is None:
        assert found is None
    elif problem.startswith("("):
        assert found.startswith(f"This pattern uses a feature the marketplace cannot run safely {problem}; ")
    else:
        assert found == problem


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("b", "abc", True),  # JSON Schema's pattern is an unanchored search
        ("^b", "abc", False),
        ("^abc$", "abc\n", False),  # $ ends the text (ECMA-262), not before a final newline
        (r"^\d+$", "\u0663", False),  # \d is ASCII, as in ECMA-262
        (r"^caf\u00e9$", "café", True),  # ECMA's \uXXXX escape
        (r"^\\u00e9$", "\\u00e9", True),  # an escaped backslash stays one
        (r"^\s$", "\u00a0", True),  # \s is ECMA-262's whitespace, Unicode spaces included
        (r"^[^\s/]+$", "a\u2028b", False),
        (r"^\S+$", "a\u3000b", False),
        (r"^\s$", "\x1c", False),  # Python's \s takes it, ECMA-262's does not
        (r"^[\S]+$", "ab", True),
        ("a", "\ud800a", False),  # not Unicode text: matches nothing
        ("(?=a)", "a", False),  # a refused pattern matches nothing
    ],
)
def test_pattern_matching_semantics(pattern, text, matches):
    assert d.pattern_matches(pattern, text) is matches


def test_variables_schema_meta_schema_and_wizard_subset():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "minLength": -1},
            "b": {"type": "object"},
            "c": {"type": "array", "items": {"type": "integer"}},
            "d": {"type": "string", "format": "hostname"},
            "e": {"type": "string", "oneOf": []},
            "bad name": {"type": "string"},
            "data": {"type": "string"},
            "f": {"type": "integer", "default": "three"},
        },
        "required": ["a", "zzz"],
        "patternProperties": {},
    }
    by_path = {}
    for e in problems(variables=schema, manifest={}):
        by_path.setdefault(e.path, []).append(e.message)
    assert "-1 is less than the minimum of 0" in by_path["$.properties.a.minLength"]
    assert "$.properties.b.type" in by_path and "$.properties.c.items" in by_path
    assert by_path["$.properties.d.format"] == ["Supported formats: email, uri, date."]
    assert "$.properties.e.oneOf" in by_path
    assert '$.properties["bad name"]' in by_path and "$.properties.data" in by_path
    assert by_path["$.required[1]"] == ["“zzz” is not a declared variable."]
    assert "$.patternProperties" in by_path


def test_defaults_inside_the_variables_schema_are_checked():
    schema = {"type": "object", "properties": {"f": {"type": "integer", "default": "three"}}}
    assert [(e.path, e.message) for e in problems(variables=schema, manifest={})] == [
        ("$.properties.f.default", "Enter a whole number.")
    ]


def test_a_pattern_may_carry_a_hint_and_examples_that_must_fit_it():
    channel = {"type": "string", "pattern": "^#[a-z]+$", "patternHint": "a # then lower-case letters"}
    schema = {
        "type": "object",
        "properties": {
            "channel": {**channel, "examples": ["#alerts", "#ops"]},
            "tags": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z]+$", "examples": ["red"]},
            },
        },
    }
    assert problems(variables=schema, manifest={}) == []
    schema["properties"]["channel"]["examples"] = ["#alerts", "Alerts"]
    schema["properties"]["tags"]["items"]["patternHint"] = ""
    assert [(e.path, e.message) for e in problems(variables=schema, manifest={})] == [
        ("$.properties.tags.items.patternHint", "A hint is text of at most 200 characters.")
    ]
    schema["properties"]["tags"]["items"]["patternHint"] = "lower-case letters"
    assert [(e.path, e.message) for e in problems(variables=schema, manifest={})] == [
        (
            "$.properties.channel.examples[1]",
            "The example 'Alerts' is not valid here: Does not match the required format: "
            "a # then lower-case letters",
        )
    ]
    schema["properties"]["channel"]["examples"] = "#alerts"
    assert {e.path for e in problems(variables=schema, manifest={})} == {"$.properties.channel.examples"}


@pytest.mark.parametrize(
    ("subschema", "message"),
    [
        (
            {"patternHint": "a # then lower-case letters"},
            "Does not match the required format: a # then lower-case letters",
        ),
        ({"examples": ["#alerts"]}, "Does not match the required format, for example “#alerts”."),
        (
            {"patternHint": "like #ops", "examples": ["#alerts"]},
            "Does not match the required format: like #ops",
        ),
        ({}, "Does not match the required format."),
    ],
)
def test_a_value_off_the_pattern_is_told_the_hint_or_an_example(subschema, message):
    prop = {"type": "string", "pattern": "^#[a-z]+$", **subschema}
    schema = {"type": "object", "properties": {"channel": prop, "tags": {"type": "array", "items": prop}}}
    assert d.validate_values(schema, {"channel": "ops", "tags": ["#ok", "no"]}) == {
        "channel": [message],
        "tags": [message],
    }


@pytest.mark.parametrize(
    ("auth", "paths"),
    [
        ({"type": "none"}, set()),
        ({"type": "none", "scopes": []}, {"$.scopes"}),
        (
            {
                "type": "api_key",
                "authHeaderName": "X-Api-Key",
                "authValuePrefix": "",
                "instructions": "**here**",
            },
            set(),
        ),
        (
            {"type": "api_key", "authHeaderName": "Bad Header", "authValuePrefix": "Bearer "},
            {"$.authHeaderName"},
        ),
        (
            {
                "type": "oauth2",
                "authorizeUrl": "http://evil.example/a",
                "tokenUrl": "http://127.0.0.1:5000/token",
                "scopes": "read",
                "clientId": "x",
                "callbackUrl": "javascript:alert(1)",
            },
            {"$.authorizeUrl", "$.scopes", "$.callbackUrl"},
        ),
        (
            {
                "type": "oauth2",
                "authorizeUrl": "http://localhost/a",
                "tokenUrl": "https://x.example/t",
                "scopes": [],
                "clientId": "x",
            },
            set(),
        ),
        ({"type": "oauth2"}, {"$"}),
        ({"type": "magic"}, {"$.type"}),
        ({}, {"$"}),
    ],
)
def test_auth_config(auth, paths):
    assert {e.path for e in problems(auth=auth)} == paths


def test_oauth2_client_secret_is_not_part_of_auth_config():
    auth = dict(GOOD_AUTH, clientSecret="s3cret")
    assert [(e.path, e.message) for e in problems(auth=auth)] == [
        ("$.clientSecret", "Unknown property “clientSecret”.")
    ]


def test_recursion_error_is_caught(monkeypatch):
    def boom(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(d.Validator, "iter_errors", boom)
    errors = problems()
    assert errors and all("too deeply" in e.message for e in errors)


def test_api_documents_get_the_same_rules_with_paths():
    values, errors = d.validate_values_documents(
        {
            "manifest": {"members": [{"key": "a"}]},
            "variablesSchema": GOOD_SCHEMA,
            "authConfig": {"type": "none"},
        }
    )
    assert [(e.path, e.line) for e in errors] == [("$.members[0]", None)] * 2
    deep = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    assert d.validate_values_documents(
        {"manifest": deep, "variablesSchema": GOOD_SCHEMA, "authConfig": {"type": "none"}}
    )[1][0].message.startswith("The document nests")


def test_local_http_endpoints_only_outside_production():
    auth = {
        "type": "oauth2",
        "authorizeUrl": "http://localhost:5000/authorize",
        "tokenUrl": "https://x.example/t",
        "scopes": [],
        "clientId": "x",
    }
    assert d.validate_texts(texts(auth=auth))[1] == []
    errors = d.validate_texts(texts(auth=auth), allow_local_http=False)[1]
    assert [(e.path, e.message) for e in errors] == [
        ("$.authorizeUrl", "Use an https: URL (http://localhost is for development only).")
    ]


def test_values_are_described_with_titles_and_human_words():
    schema = {
        "type": "object",
        "properties": {
            "batchSize": {"type": "integer", "title": "Batch size"},
            "notify": {"type": "boolean", "title": "Send notifications"},
            "dryRun": {"type": "boolean", "title": "Dry run"},
            "tags": {"type": "array", "title": "Tags", "items": {"type": "string"}},
            "region": {"type": "string", "enum": ["eu", "us"]},
            "unset": {"type": "string", "title": "Not given"},
        },
    }
    values = {"tags": ["a", "b"], "notify": True, "batchSize": 20, "region": "eu", "legacy": False}
    assert d.describe_values(schema, values) == [
        ("Batch size", "20"),
        ("Send notifications", "Yes"),
        ("Dry run", "No"),  # an unticked box is a No, not a gap
        ("Tags", "a, b"),
        ("region", "eu"),  # no title: its name
        ("legacy", "No"),  # kept from an older version's schema: still shown, by name
    ]
    assert d.describe_values({}, {}) == [] and d.describe_values(None, None) == []


REGIONS = {
    "type": "string",
    "title": "Region",
    "oneOf": [{"const": "eu", "title": "Europe (Frankfurt)"}, {"const": "us", "title": "United States"}],
}


def test_choices_may_carry_labels_as_one_of_const_and_title():
    schema = {
        "type": "object",
        "required": ["region"],
        "properties": {
            "region": {**REGIONS, "default": "eu"},
            "zones": {
                "type": "array",
                "items": {"type": "string", "oneOf": [{"const": "a", "title": "Zone A"}]},
            },
        },
    }
    assert problems(variables=schema, manifest={}) == []
    assert d.choices(schema["properties"]["region"]) == [
        ("eu", "Europe (Frankfurt)"),
        ("us", "United States"),
    ]
    assert (
        d.choices({"type": "string", "enum": ["x"]}) == [("x", "x")] and d.choices({"type": "string"}) is None
    )
    # A value off the list is told the titles the installer saw.
    assert d.validate_values(schema, {"region": "apac"}) == {
        "region": ["Choose one of: Europe (Frankfurt), United States."]
    }
    assert d.validate_values(schema, {"region": "us", "zones": ["a"]}) == {}


@pytest.mark.parametrize(
    ("one_of", "path"),
    [
        ([], "$.properties.region.oneOf"),
        ([{"const": "eu", "title": "Europe", "description": "x"}], "$.properties.region.oneOf[0]"),
        ([{"type": "string", "pattern": "^a"}], "$.properties.region.oneOf[0]"),
        ([{"const": 1, "title": "One"}], "$.properties.region.oneOf[0].const"),
        ([{"const": "eu"}, {"const": "eu"}], "$.properties.region.oneOf[1].const"),
        ([{"const": "eu", "title": "  "}], "$.properties.region.oneOf[0].title"),
    ],
)
def test_one_of_is_only_labelled_choices(one_of, path):
    schema = {"type": "object", "properties": {"region": {"type": "string", "oneOf": one_of}}}
    assert path in {e.path for e in problems(variables=schema, manifest={})}


def test_enum_and_labelled_choices_are_not_given_together():
    prop = {**REGIONS, "enum": ["eu", "us"]}
    schema = {"type": "object", "properties": {"region": prop}}
    assert [(e.path, e.message) for e in problems(variables=schema, manifest={})] == [
        ("$.properties.region.oneOf", "Give the choices once: either enum or oneOf (with titles), not both.")
    ]


def test_review_reads_a_choice_by_its_label():
    schema = {
        "type": "object",
        "properties": {
            "region": REGIONS,
            "zones": {
                "type": "array",
                "title": "Zones",
                "items": {"type": "string", "oneOf": [{"const": "a", "title": "Zone A"}]},
            },
            "plain": {"type": "string", "title": "Plain", "enum": ["x"]},
        },
    }
    assert d.describe_values(schema, {"region": "us", "zones": ["a", "b"], "plain": "x"}) == [
        ("Region", "United States"),
        ("Zones", "Zone A, b"),
        ("Plain", "x"),
    ]


@pytest.mark.parametrize(
    ("prop", "path"),
    [
        ({"type": "string", "writeOnly": True}, "$.properties.token.writeOnly"),
        ({"type": "string", "format": "password"}, "$.properties.token.format"),
        ({"type": "integer", "writeOnly": True}, "$.properties.token.writeOnly"),
    ],
)
def test_a_secret_is_not_a_variable(prop, path):
    """The wizard shows variables back (review, settings) and the audit log keeps them: a secret
    variable is refused with where to ask for it instead, so none ever reaches a page."""
    schema = {"type": "object", "properties": {"token": prop}}
    assert [(e.path, e.message) for e in problems(variables=schema, manifest={})] == [
        (path, d.SECRET_VARIABLE)
    ]
