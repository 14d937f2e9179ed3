"""The generated variables form (wizard step 4 and the dashboard preview)."""

from flask import render_template_string
from werkzeug.datastructures import MultiDict

from app.web.variables_form import build_variables_form, form_values, validate_values

SCHEMA = {
    "type": "object",
    "required": ["region", "seats"],
    "properties": {
        "region": {
            "type": "string",
            "title": "Region",
            "enum": ["us", "eu"],
            "description": "Where data lives.",
        },
        "contact": {"type": "string", "format": "email", "title": "Contact"},
        "homepage": {"type": "string", "format": "uri"},
        "starts": {"type": "string", "format": "date"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$", "minLength": 3, "maxLength": 3},
        "seats": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
        "ratio": {"type": "number", "exclusiveMaximum": 1},
        "beta": {"type": "boolean", "default": True},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "colours": {"type": "array", "items": {"type": "string", "enum": ["red", "blue"]}},
    },
}


def render(form):
    return render_template_string('{% include "includes/variables_fields.html" %}', form=form)


def test_fields_render_with_labels_hints_types_and_defaults(app):
    with app.test_request_context():
        form = build_variables_form(SCHEMA, defaults={"region": "eu"}, csrf=False)
        html = render(form)
    assert '<label class="label" for="var-region">Region</label>' in html
    assert "Where data lives." in html
    assert '<option selected value="eu">' in html
    assert 'type="email"' in html and 'type="url"' in html and 'type="date"' in html
    assert 'id="var-seats"' in html and 'value="5"' in html and 'type="number"' in html
    assert 'min="1"' in html and 'max="50"' in html
    assert 'type="checkbox"' in html and "checked" in html
    assert "<textarea" in html and "One value per line." in html
    assert "multiple" in html  # enum items: a multi-select


def test_form_values_are_typed_and_empty_optionals_left_out(app):
    posted = MultiDict(
        [
            ("var-region", "us"),
            ("var-seats", "7"),
            ("var-ratio", "0.5"),
            ("var-beta", "y"),
            ("var-tags", "a\n\n b \nc"),
            ("var-contact", ""),
            ("var-colours", "red"),
            ("var-colours", "blue"),
        ]
    )
    with app.test_request_context(method="POST"):
        form = build_variables_form(SCHEMA, formdata=posted, csrf=False)
        assert form.validate(), {n: f.errors for n, f in form.variable_fields.items()}
        values = form_values(form, SCHEMA)
    assert values == {
        "region": "us",
        "seats": 7,
        "ratio": 0.5,
        "beta": True,
        "tags": ["a", "b", "c"],
        "colours": ["red", "blue"],
    }


def test_errors_land_beside_their_fields(app):
    posted = MultiDict(
        [
            ("var-seats", "99"),
            ("var-contact", "nope"),
            ("var-code", "abc"),
            ("var-ratio", "x"),
            ("var-tags", "1\n2\n3\n4"),
            ("var-starts", "2026-13-40"),
        ]
    )
    with app.test_request_context(method="POST"):
        form = build_variables_form(SCHEMA, formdata=posted, csrf=False)
        assert not form.validate()
        html = render(form)
    errors = {name: field.errors for name, field in form.variable_fields.items() if field.errors}
    assert errors == {
        "region": ["This value is required."],
        "seats": ["Must be at most 50."],
        "contact": ["Enter a valid email address."],
        "code": ["Does not match the required format."],
        "ratio": ["Enter a number."],
        "tags": ["Enter at most 3 values."],
        "starts": ["Enter a date as YYYY-MM-DD."],
    }
    assert 'id="var-seats-errors"' in html and 'aria-invalid="true"' in html


def test_csrf_is_on_by_default(app):
    with app.test_request_context(method="POST"):
        form = build_variables_form({"type": "object", "properties": {}}, formdata=MultiDict())
        assert "csrf_token" in form
        assert not form.validate()


def test_validate_values_never_fetches_and_never_hangs(monkeypatch):
    import socket
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    remote = {"type": "object", "properties": {"a": {"$ref": "https://example.com/evil.json"}}}
    assert validate_values(remote, {"a": "x"}) == {
        "": ["The variables schema refers to something outside itself; nothing is fetched."]
    }
    looping = {"$defs": {"x": {"$ref": "#/$defs/x"}}, "$ref": "#/$defs/x"}
    assert list(validate_values(looping, {"a": 1})) == [""]
    # a long value is refused before any pattern runs on it
    slow = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a+)+$"}}}
    assert validate_values(slow, {"a": "a" * 20_000 + "!"}) == {"a": ["Enter at most 10000 characters."]}
