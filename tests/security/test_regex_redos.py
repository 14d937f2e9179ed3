"""A publisher's regular expression cannot freeze the server (ReDoS). Patterns that backtrack
catastrophically in Python's `re` run on RE2 wherever they are matched: saving (dashboard
editor and write API: the manifest's defaults against the schema), the dashboard's live
preview, the install wizard's variables step and reconfigure. Each request answers in
milliseconds (asserted with a generous bound) and answers correctly. A pattern RE2 cannot run
(lookaround, backreference) is refused on save, beside its field, and nothing is written.

Values longer than 10,000 characters are refused by the length cap before any pattern sees
them, so the 100,000-character inputs are answered "too long" (422), as fits."""

from __future__ import annotations

import gc
import html
import json
import re
import time

import pytest

from app.domain.documents import MAX_STRING_VALUE, validate_values
from app.extensions import db
from app.models import Installation, Integration
from app.services import tokens
from tests.install_support import admin, publish, wizard, wizard_id_from
from tests.web.publishing_helpers import AUTH, edit_data, make_publisher, state

PATTERNS = [r"^(a|a)*$", r"^(a{1,20}){1,20}$", r"\d*\d*\d*\d*\d*\d*x", r"^(a+)+$"]
SIZES = [30, 10_000, 100_000]
BOUND = 1.0  # seconds of CPU; each request takes milliseconds (Python's re took minutes on 30 characters)
WALL_BOUND = 5.0
# Each test first GETs the page it then POSTs to: the first render of a template compiles it,
# which is not what is being timed.
TOO_LONG = f"Enter at most {MAX_STRING_VALUE} characters."
NO_MATCH = "Does not match the required format."
TIMINGS: dict[str, tuple[float, float]] = {}  # kind: worst (CPU, wall) seconds; conftest.py reports them


def cases(pattern: str, n: int) -> list[tuple[str, bool]]:
    """(an n-character value, whether the pattern matches it): one match (where any exists at
    that length) and the near miss that makes a backtracking engine explode."""
    if pattern.startswith(r"\d"):
        return [("1" * (n - 1) + "x", True), ("1" * n, False)]
    return [("a" * n, n <= 400 if "{1,20}" in pattern else True), ("a" * (n - 1) + "!", False)]


def all_cases(pattern: str):
    return [(n, text, matches) for n in SIZES for text, matches in cases(pattern, n)]


def timed(label: str, request):
    """Runs one request, holding it to BOUND seconds of this thread's CPU time (what a pattern
    that backtracks would burn; the test client serves the request in this thread) and to
    WALL_BOUND seconds on the clock (loose: eight test suites share two cores here)."""
    collecting = gc.isenabled()
    gc.disable()  # a full collection of the test process's heap can take a second: not the pattern's time
    try:
        cpu, wall = time.thread_time(), time.perf_counter()
        response = request()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    finally:
        if collecting:
            gc.enable()
    worst = TIMINGS.get(label, (0.0, 0.0))
    TIMINGS[label] = (max(worst[0], cpu), max(worst[1], wall))
    assert cpu < BOUND, f"{label} used {cpu:.3f} s of CPU"
    assert wall < WALL_BOUND, f"{label} took {wall:.3f} s"
    return response


def field_errors(page: str, field_id: str) -> list[str]:
    found = re.search(rf'<ul class="field-errors" id="{re.escape(field_id)}-errors">(.*?)</ul>', page, re.S)
    return (
        [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)] if found else []
    )


def schema_with(pattern: str, **prop) -> dict:
    return {"type": "object", "properties": {"code": {"type": "string", "pattern": pattern, **prop}}}


def manifest_with(default: str) -> dict:
    return {"members": [], "dependencies": [], "defaults": {"code": default}}


def expected_problem(n: int, matches: bool) -> str | None:
    if n > MAX_STRING_VALUE:
        return TOO_LONG
    return None if matches else NO_MATCH


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    auth.login(p.user)
    return p


def _draft(factories, p) -> Integration:
    integration = factories.IntegrationFactory(
        workspace=p.workspace, creator=p.user, publisher=p.handle, auth_config=AUTH
    )
    db.session.commit()  # a refused request rolls back only its own work
    return integration


# --- saving: the dashboard editor -------------------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS)
def test_dashboard_save_checks_defaults_against_the_pattern_quickly(client, publisher, factories, pattern):
    integration = _draft(factories, publisher)
    url = f"/dashboard/integrations/{integration.id}"
    assert client.get(url).status_code == 200
    for n, text, matches in all_cases(pattern):
        before = state(integration.id)
        data = edit_data(
            integration,
            variables_schema=json.dumps(schema_with(pattern)),
            manifest=json.dumps(manifest_with(text)),
        )
        response = timed("dashboard save", lambda data=data: client.post_form(url, data))
        problem = expected_problem(n, matches)
        if problem is None:
            assert response.status_code == 302, (n, matches)
            db.session.expire_all()
            assert db.session.get(Integration, integration.id).manifest["defaults"]["code"] == text
        else:
            assert response.status_code == 422, (n, matches)
            assert any(
                e.endswith(f"$.defaults.code: {problem}")
                for e in field_errors(response.get_data(as_text=True), "manifest")
            )
            assert state(integration.id) == before


# --- saving: the write API ----------------------------------------------------------------------------


@pytest.fixture
def ci(factories):
    p = make_publisher(factories)
    _, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
    db.session.commit()
    p.headers = {"Authorization": f"Bearer {raw}"}
    return p


def _integrations() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(Integration))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_write_api_save_checks_defaults_against_the_pattern_quickly(client, ci, pattern):
    for i, (n, text, matches) in enumerate(all_cases(pattern)):
        body = {
            "name": f"Pattern check {i}",
            "publisher": ci.handle,
            "manifest": manifest_with(text),
            "variablesSchema": schema_with(pattern),
            "authConfig": AUTH,
            "visibility": "private",
        }
        count = _integrations()
        response = timed(
            "write API save",
            lambda body=body: client.post("/api/v1/integrations", json=body, headers=ci.headers),
        )
        problem = expected_problem(n, matches)
        if problem is None:
            assert response.status_code == 201, (n, matches, response.json)
            assert response.json["manifest"]["defaults"]["code"] == text
            assert _integrations() == count + 1
        else:
            assert response.status_code == 422, (n, matches)
            details = response.json["error"]["details"]
            assert {"document": "manifest", "path": "$.manifest.defaults.code", "message": problem} in [
                {k: d[k] for k in ("document", "path", "message")} for d in details
            ]
            assert _integrations() == count


# --- the live preview -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS)
def test_live_preview_checks_the_schemas_default_quickly(client, publisher, factories, pattern):
    integration = _draft(factories, publisher)
    url = f"/dashboard/integrations/{integration.id}/preview"
    assert client.get(f"/dashboard/integrations/{integration.id}").status_code == 200
    for n, text, matches in all_cases(pattern):
        data = {
            "manifest": json.dumps({"members": []}),
            "variables_schema": json.dumps(schema_with(pattern, default=text, title="Code")),
        }
        response = timed("live preview", lambda data=data: client.post_form(url, data))
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        shown = 'id="preview-code"' in page
        assert shown is (expected_problem(n, matches) is None), (n, matches)
        assert ("Fix the variables schema to see the preview." in page) is not shown


# --- the install wizard's variables step, and reconfigure ---------------------------------------------


def _at_variables_step(client, auth, pattern):
    user, workspace = admin()
    integration = publish(schema=schema_with(pattern, title="Code"))
    auth.login(user)
    started = client.post_form(
        f"/install/{integration.publisher}/{integration.slug}", {"workspace": workspace.id, "consent": "y"}
    )
    wid = wizard_id_from(started.headers["Location"])
    assert client.post_form(f"/install/w/{wid}/dependencies").headers["Location"].endswith("/variables")
    return wid


@pytest.mark.parametrize("pattern", PATTERNS)
def test_install_wizard_variables_step_matches_quickly(client, auth, pattern):
    wid = _at_variables_step(client, auth, pattern)
    url = f"/install/w/{wid}/variables"
    assert client.get(url).status_code == 200
    # the near misses first: a match completes the step
    for n, text, matches in sorted(all_cases(pattern), key=lambda case: case[2]):
        response = timed(
            "install wizard variables step", lambda text=text: client.post_form(url, {"var-code": text})
        )
        problem = expected_problem(n, matches)
        if problem is None:
            assert response.status_code == 302, (n, matches)
            assert response.headers["Location"].endswith("/review")
            assert wizard(wid).data["variables"] == {"code": text}
        else:
            assert response.status_code == 422, (n, matches)
            assert field_errors(response.get_data(as_text=True), "var-code") == [problem]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_reconfigure_matches_quickly(client, auth, factories, pattern):
    owner, workspace = admin()
    integration = publish(schema=schema_with(pattern, title="Code"))
    installation = factories.InstallationFactory(
        workspace=workspace, integration=integration, installed_by=owner.id, version=integration.versions[-1]
    )
    db.session.commit()
    auth.login(owner)
    url = f"/workspaces/{workspace.slug}/installations/{installation.id}/settings"
    assert client.get(url).status_code == 200
    for n, text, matches in all_cases(pattern):
        response = timed("reconfigure", lambda text=text: client.post_form(url, {"var-code": text}))
        problem = expected_problem(n, matches)
        db.session.expire_all()
        if problem is None:
            assert response.status_code == 302, (n, matches)
            assert db.session.get(Installation, installation.id).variables == {"code": text}
        else:
            assert response.status_code == 422, (n, matches)
            assert field_errors(response.get_data(as_text=True), "var-code") == [problem]
            assert db.session.get(Installation, installation.id).variables.get("code") != text


# --- the project's own patterns run on RE2 too ----------------------------------------------------------


def test_a_long_endpoint_url_is_refused_quickly_by_the_auth_config_schema(client, ci):
    """auth-config.json's endpoint pattern, ^(https://[^\\s/?#]+[^\\s]*|...)$, backtracks
    polynomially in Python's re (8,000 characters took 10 s); on RE2 it is linear."""
    count = _integrations()
    url = "https://" + "a" * 100_000 + " "
    body = {
        "name": "Long URL",
        "publisher": ci.handle,
        "manifest": {"members": []},
        "variablesSchema": {"type": "object", "properties": {}},
        "authConfig": {"type": "oauth2", "authorizeUrl": url, "tokenUrl": url, "scopes": [], "clientId": "x"},
    }
    response = timed(
        "write API save", lambda: client.post("/api/v1/integrations", json=body, headers=ci.headers)
    )
    assert response.status_code == 422
    paths = {d["path"] for d in response.json["error"]["details"]}
    assert paths == {"$.authConfig.authorizeUrl", "$.authConfig.tokenUrl"}
    assert _integrations() == count


# --- patterns RE2 cannot run are refused on save ---------------------------------------------------------

UNSAFE = [(r"^(?=.*\d)[a-z\d]+$", "lookahead"), (r"^(a+)\1$", "backreference")]


@pytest.mark.parametrize(("pattern", "feature"), UNSAFE)
def test_an_unsafe_pattern_is_refused_on_save_beside_its_field(
    client, publisher, factories, pattern, feature
):
    integration = _draft(factories, publisher)
    before = state(integration.id)
    typed = json.dumps(schema_with(pattern), indent=2)
    response = client.post_form(
        f"/dashboard/integrations/{integration.id}", edit_data(integration, variables_schema=typed)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "variables_schema") == [
        "line 6, $.properties.code.pattern: This pattern uses a feature the marketplace cannot run "
        f"safely ({feature}); rewrite it without lookarounds, backreferences, atomic groups or "
        "possessive quantifiers."
    ]
    textarea = re.search(r'<textarea[^>]*name="variables_schema"[^>]*>(.*?)</textarea>', page, re.S)
    assert html.unescape(textarea.group(1)).strip() == typed  # what was typed is kept
    assert state(integration.id) == before


@pytest.mark.parametrize(("pattern", "feature"), UNSAFE)
def test_an_unsafe_pattern_is_refused_by_the_write_api(client, ci, pattern, feature):
    count = _integrations()
    body = {
        "name": "Unsafe",
        "publisher": ci.handle,
        "manifest": {"members": []},
        "variablesSchema": schema_with(pattern),
        "authConfig": AUTH,
    }
    response = client.post("/api/v1/integrations", json=body, headers=ci.headers)
    assert response.status_code == 422
    [detail] = response.json["error"]["details"]
    assert (
        detail["path"] == "$.variablesSchema.properties.code.pattern" and f"({feature})" in detail["message"]
    )
    assert _integrations() == count


# --- the domain rule underneath: nothing hands a publisher's pattern to Python's re -------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {
                "type": "object",
                "properties": {
                    "code": {"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^(a|a)*$"}
                },
            },
            "The variables schema changes dialect inside itself; it cannot be used.",
        ),
        (
            {"type": "object", "patternProperties": {"^(a|a)*$": {}}},
            "The variables schema uses patternProperties, which the marketplace does not run.",
        ),
        (
            {
                "$dynamicAnchor": "meta",
                "type": "object",
                "properties": {"code": {"$ref": "https://json-schema.org/draft/2020-12/schema"}},
            },
            "The variables schema refers to something outside itself; nothing is fetched.",
        ),
    ],
)
def test_schemas_that_would_reach_pythons_re_are_refused_at_match_time(schema, message):
    started = time.thread_time()
    assert validate_values(schema, {"a" * 30 + "!": 1, "code": "a" * 30 + "!"}) == {"": [message]}
    assert time.thread_time() - started < BOUND


def test_the_email_format_is_checked_in_linear_time():
    schema = {"type": "object", "properties": {"mail": {"type": "string", "format": "email"}}}
    started = time.thread_time()
    assert validate_values(schema, {"mail": "a@" + "." * 9_997 + "@"}) == {
        "mail": ["Enter a valid email address."]
    }
    assert validate_values(schema, {"mail": "a@b.c"}) == {}
    assert time.thread_time() - started < BOUND
