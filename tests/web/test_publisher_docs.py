"""/docs/publishing: generated from the JSON Schemas and save rules the editors and the API
validate against; every property and keyword on the page, worked examples that pass the very
checks a publish runs, the publish checks linked, cached for anonymous visitors, in the footer."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest

from app.domain import checks
from app.domain.documents import examples, project_schema, validate_values_documents
from app.domain.documents.parsing import from_value
from app.domain.documents.reference import KEYWORDS, constraints_of
from app.domain.documents.schemas import project_validator
from app.domain.documents.variables import RESERVED_NAMES, variables_schema_problems, wizard_vocabulary

URL = "/docs/publishing"


def _block(html: str, element_id: str) -> str:
    """The text of the element with this id (up to its closing tag), unescaped."""
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    end = html.index(f"</{name}>", start)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end])))


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        target = _resolve(schema, schema["$defs"][ref.removeprefix("#/$defs/")])
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _objects(schema: dict):
    """(section anchor, object schema) of the top level and every object the schema defines."""
    yield "top", schema
    for name, node in schema["$defs"].items():
        if node.get("type") == "object":
            yield name, node


@pytest.fixture
def docs_page(client):
    response = client.get(URL)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize(
    ("document", "file"), [("manifest", "manifest.json"), ("authConfig", "auth-config.json")]
)
def test_every_property_of_each_schema_is_on_the_page(docs_page, document, file):
    schema = project_schema(file)
    shown = 0
    for anchor, node in _objects(schema):
        for name, prop in node.get("properties", {}).items():
            row = _block(docs_page, f"{document}-{anchor}-{name}")
            prop = _resolve(schema, prop)
            assert name in row
            assert ("required" if name in node.get("required", []) else "optional") in row
            assert prop.get("description", "") in row
            for constraint in constraints_of(prop):
                assert constraint.text in row and (constraint.code or "") in row
            shown += 1
        if node.get("additionalProperties") is False:
            assert "No other properties are allowed here." in _block(docs_page, f"{document}-{anchor}")
    assert shown >= 5


def test_every_variables_schema_keyword_the_save_rules_accept_is_on_the_page(docs_page):
    rules = wizard_vocabulary()
    sections = {"top": rules["root"], "common": rules["common"], "items": rules["items"]}
    sections.update({kind: keywords for kind, keywords in rules["types"].items() if keywords})
    for section, keywords in sections.items():
        for keyword in keywords:
            row = _block(docs_page, f"variablesSchema-{section}-{keyword}")
            assert keyword in row and KEYWORDS[keyword][1] in row
    for fmt in rules["formats"]:
        assert f'"{fmt}"' in _block(docs_page, "variablesSchema-string-format")
    assert rules["name_pattern"] in _block(docs_page, "variablesSchema-top-properties")
    # Labelled choices are explained with their shape; secret variables are refused, and said so.
    one_of = _block(docs_page, "variablesSchema-string-oneOf")
    assert '{"const": "eu", "title": "Europe"}' in one_of and "not with enum" in one_of
    assert "writeOnly" in docs_page and "ask for a secret through authConfig" in docs_page


def test_reserved_variable_names_are_said_to_be_the_install_forms(docs_page):
    """The names the install form uses itself are refused as variables; the page and the error
    say whose they are rather than only listing them."""
    row = _block(docs_page, "variablesSchema-top-properties")
    assert "names reserved by the install form (refused): " + ", ".join(sorted(RESERVED_NAMES)) in row
    doc, _ = from_value("variablesSchema", {"type": "object", "properties": {"data": {"type": "string"}}})
    assert [error.message for error in variables_schema_problems(doc)] == [
        "“data” is reserved by the install form; choose another name."
    ]


@pytest.mark.parametrize("kind", sorted(examples.AUTH_CONFIGS))
def test_the_worked_examples_pass_every_check_a_publish_runs(kind):
    documents = {
        "manifest": examples.MANIFEST,
        "variablesSchema": examples.VARIABLES_SCHEMA,
        "authConfig": examples.AUTH_CONFIGS[kind],
    }
    values, errors = validate_values_documents(documents, allow_local_http=False)
    assert errors == []
    assert list(project_validator("auth-config.json").iter_errors(documents["authConfig"])) == []
    assert list(project_validator("manifest.json").iter_errors(documents["manifest"])) == []
    doc, parse_errors = from_value("variablesSchema", documents["variablesSchema"])
    assert parse_errors == [] and variables_schema_problems(doc) == []
    assert values["authConfig"]["type"] == kind


def test_the_page_shows_the_examples_exactly(docs_page):
    blocks = [
        json.loads(unescape(text))
        for text in re.findall(r"<pre[^>]*><code>(.*?)</code></pre>", docs_page, re.S)
    ]
    assert blocks == [examples.MANIFEST, examples.VARIABLES_SCHEMA, *examples.AUTH_CONFIGS.values()]


def test_the_publish_checks_are_listed_from_their_registry_and_linked(docs_page):
    assert checks.CHECKS
    for check in checks.CHECKS.values():
        row = _block(docs_page, f"check-{check.id}")
        assert check.title in row and check.severity in row
        assert f'href="/dashboard/checks/{check.id}"' in docs_page


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: list[int] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        self.ids += [value for key, value in attrs if key == "id"]


def test_headings_are_in_order_and_ids_unique(docs_page):
    parser = _Headings()
    parser.feed(docs_page)
    assert parser.levels[0] == 1 and parser.levels.count(1) == 1
    assert all(after - before <= 1 for before, after in zip(parser.levels, parser.levels[1:], strict=False))
    assert len(parser.ids) == len(set(parser.ids))


def test_anonymous_visitors_get_a_cacheable_page_members_a_private_one(client, auth, factories):
    first = client.get(URL)
    assert first.headers["Cache-Control"] == "public, no-cache" and first.headers["ETag"]
    again = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    auth.login(factories.UserFactory())
    member = client.get(URL)
    assert member.status_code == 200 and "no-store" in member.headers["Cache-Control"]


def test_every_page_footer_links_to_the_publisher_docs(client):
    for path in ("/", "/integrations", URL):
        footer = client.get(path).text.split('<footer class="site-footer">', 1)[1]
        assert f'<a href="{URL}">Publisher docs</a>' in footer


def test_the_dashboard_editors_are_described_from_the_same_schema(docs_page):
    """Every input of the authConfig form, built from app/schemas/auth-config.json, is on the page."""
    from app.web.dashboard.editors import auth

    for kind, inputs in auth.types().items():
        assert (
            f"<code>&#34;type&#34;: &#34;{kind}&#34;</code>" in docs_page or f'"type": "{kind}"' in docs_page
        )
        for spec in inputs:
            assert f"{spec.label} → <code>{spec.key}</code>" in docs_page
