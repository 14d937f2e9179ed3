"""Every route (enumerated from app.url_map, every method) fed NUL, lone surrogates, NaN, huge
numbers, huge page numbers and impossible dates, anonymous, as a member and as staff: never a 5xx.
Plus the specific answers: 404 in the path, 400 in a query or form, 422 beside the JSON path."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.services import tokens

NUL = "%00"
SURROGATE = "%ED%A0%80"  # "\ud800" as a client that encodes it (UTF-8, surrogatepass) sends it
HUGE = "9" * 30
HOSTILE_SEGMENTS = (NUL, SURROGATE, HUGE)
QUERIES = (
    f"q={NUL}&tier={NUL}&publisher={NUL}&cursor={NUL}&workspace={NUL}&actor={NUL}",
    f"q={SURROGATE}&page=9223372036854775807&limit=99999999999999999999&date_from=0000-00-00&date_to=9999-12-31",
    "page=99999999999999999999&date_to=0001-01-01&date_from=9999-12-31",
    "page=-1&limit=%C2%B2&page=" + "9" * 5000,  # "²" is a digit to str.isdigit, not to int()
)
FIVE_THOUSAND = "1" * 5000
JSON_BODIES = (
    '{"name": NaN, "version": Infinity, "reason": -Infinity, "manifest": {"a": ' + FIVE_THOUSAND + "}}",
    # Otherwise valid writes, so nothing but the hostile characters stands between them and the database
    '{"name": "a\\ud800", "publisher": "%(publisher)s", "description": "\\u0000", "manifest": {"\\u0000": 1}}',
    '{"version": "9.0.0", "changelog": "\\u0000 \\udfff", "reason": "a\\u0000"}',
)
DOCUMENT_FORM = {
    "manifest": '{"a": NaN, "b": -Infinity}',
    "variables_schema": '{"a": ' + FIVE_THOUSAND + "}",
    "auth_config": '{"a": "\\u0000", "b": "\\ud800"}',
}
FORM_FIELDS = (
    "email",
    "password",
    "name",
    "slug",
    "publisher",
    "description",
    "version",
    "changelog",
    "reason",
    "note",
    "expires_days",
    "days",
    "api_key",
    "role",
    "tier",
    "visibility",
)


def _seed(factories):
    """A published integration in a workspace the member manages, and a staff account."""
    membership = factories.member(role="owner")
    integration = factories.IntegrationFactory.published(workspace=membership.workspace)
    installation = factories.InstallationFactory(workspace=membership.workspace, integration=integration)
    staff = factories.UserFactory(is_staff=True)
    token, raw = tokens.create_token(membership.user, membership.workspace.id, "CI", 30)
    db.session.commit()
    values = {
        "integration_id": integration.id,
        "publisher": integration.publisher,
        "slug": integration.slug,
        "ws": membership.workspace.slug,
        "version": "1.0.0",
        "installation_id": installation.id,
        "membership_id": membership.id,
        "token_id": token.id,
        "wizard_id": "00000000-0000-0000-0000-000000000000",
        "step": "workspace",
        "filename": "css/app.css",
    }
    return membership.user, staff, {"Authorization": f"Bearer {raw}"}, values


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, values, hostile=None) -> str:
    url = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument]  # noqa: SLF001 (the rule's own converters)
        placeholder = f"<{argument}>" if f"<{argument}>" in url else None
        if placeholder is None:
            placeholder = next(part for part in url.split("/") if part.endswith(f":{argument}>"))
        value = hostile if hostile is not None else values.get(argument, "x")
        assert converter is not None
        url = url.replace(placeholder, str(value))
    return url


def _requests(client, rule, method, values, headers):
    """(description, response) for every hostile variant of one route and method."""
    send = getattr(client, method.lower())
    if rule.arguments:
        for segment in HOSTILE_SEGMENTS:
            url = _url(rule, values, segment)
            yield f"{method} {url}", send(url, headers=headers)
    url = _url(rule, values)
    for query in QUERIES:
        yield f"{method} {url}?{query}", send(f"{url}?{query}", headers=headers)
    if method == "GET":
        return
    for body in JSON_BODIES:
        body = body.replace("%(publisher)s", values["publisher"])
        yield (
            f"{method} {url} json {body[:40]}",
            send(url, data=body, content_type="application/json", headers=headers),
        )
    form = {
        **DOCUMENT_FORM,
        **{name: FIVE_THOUSAND for name in FORM_FIELDS},
        "csrf_token": client.csrf_token(),
    }
    yield f"{method} {url} form documents", send(url, data=form, headers=headers)
    form = {name: "a\x00b" for name in FORM_FIELDS}
    form["csrf_token"] = client.csrf_token()
    yield f"{method} {url} form NUL", send(url, data=form, headers=headers)


@pytest.mark.parametrize("who", ["anonymous", "member", "staff"])
def test_no_route_answers_hostile_input_with_a_server_error(app, client, auth, factories, who):
    member, staff, bearer, values = _seed(factories)
    headers = {}
    if who == "member":
        auth.login(member)
        headers = bearer
    elif who == "staff":
        auth.login(staff)
    failures, sent = [], 0
    for rule, method in _routes(app):
        for description, response in _requests(client, rule, method, values, headers):
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{description} -> {response.status_code}")
        if rule.endpoint == "accounts.logout" and who != "anonymous":
            auth.login(member if who == "member" else staff)  # a valid-CSRF post may have signed out
    assert sent > 300
    assert not failures, "\n".join(failures)


def test_nul_in_a_path_segment_is_not_found(client):
    assert client.get("/integrations/%00/x").status_code == 404
    response = client.get("/api/v1/integrations/%00")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_nul_in_a_query_parameter_is_a_400_naming_it(client):
    response = client.get("/api/v1/integrations?q=a%00b")
    assert response.status_code == 400
    assert response.json["error"]["details"] == [
        {"parameter": "q", "message": response.json["error"]["message"]}
    ]
    page = client.get("/integrations?q=a%00b")
    assert page.status_code == 400 and "q" in page.get_data(as_text=True)


def test_nul_in_a_form_field_is_a_400_and_changes_nothing(client, factories):
    user = factories.UserFactory()
    db.session.commit()
    response = client.post_form("/login", {"email": user.email + "\x00", "password": "password123"})
    assert response.status_code == 400 and "email" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_hostile_json_is_refused_with_each_json_path(client, factories):
    _member, _staff, bearer, _values = _seed(factories)
    body = (
        '{"name": NaN, "manifest": {"n": [1, '
        + FIVE_THOUSAND
        + '], "s": "\\ud800"}, "description": "\\u0000"}'
    )
    response = client.post("/api/v1/integrations", data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert sorted((d["path"], d["message"]) for d in error["details"]) == [
        ("$.description", "Contains a character that is not allowed (a NUL or a lone surrogate)."),
        ("$.manifest.n[1]", "Number too large."),
        ("$.manifest.s", "Contains a character that is not allowed (a NUL or a lone surrogate)."),
        ("$.name", "NaN is not a JSON number."),
    ]


def test_a_document_with_nan_or_a_huge_number_is_refused_beside_the_field(client, auth, factories):
    from tests.web.publishing_helpers import edit_data

    membership = factories.member(role="owner")
    integration = factories.IntegrationFactory(workspace=membership.workspace)
    db.session.commit()
    auth.login(membership.user)
    data = edit_data(
        integration, manifest='{\n  "members": [],\n  "defaults": {"n": ' + FIVE_THOUSAND + "}\n}"
    )
    data["variables_schema"] = '{"type": "object", "properties": {}, "x": NaN}'
    data["auth_config"] = '{"type": "none", "note": "\\u0000"}'
    response = client.post_form(f"/dashboard/integrations/{integration.id}", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "$.defaults.n" in html and "Number too large." in html
    assert "NaN is not a JSON number." in html and "$.x" in html
    assert "$.note" in html and "not allowed" in html
    db.session.expire_all()
    assert integration.manifest == {"members": [], "dependencies": [], "defaults": {}}


def test_page_numbers_and_dates_are_bounded(client, auth, factories):
    staff = factories.UserFactory(is_staff=True)
    db.session.commit()
    auth.login(staff)
    assert client.get("/admin/audit?page=99999999999999999999").status_code == 400
    assert client.get("/admin/audit?page=2").status_code == 200
    page = client.get("/admin/audit?date_to=9999-12-31")
    assert page.status_code == 200 and "Choose a date from" in page.get_data(as_text=True)
    assert client.get("/dashboard/audit?page=9223372036854775807").status_code == 400


def test_the_api_only_emits_strict_json(app):
    with app.app_context(), pytest.raises(ValueError):
        app.json.dumps({"x": float("nan")})
    with app.app_context(), pytest.raises(ValueError):
        app.json.loads('{"x": Infinity}')
    assert json.loads(app.json.dumps({"x": 1.5})) == {"x": 1.5}


def test_a_405_names_the_allowed_methods(client):
    response = client.put("/api/v1/integrations")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    page = client.delete("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]
