"""The OpenAPI document tells the truth: schemathesis generates requests from /api/v1/openapi.json,
sends them over real HTTP to a live server (a fresh migrated database on the suite's backend, a
little seeded data) with and without a workspace-scoped bearer token, and checks every answer
against the document with every check it has (not a server error, status code and content type
declared, response schema and headers conforming, schema-valid requests accepted, ...), none dropped.

Fixed seed (Hypothesis `derandomize`) and a bounded number of examples per operation, so a run is
repeatable and takes seconds. Generation is positive (schema-valid data); the input guard's refusals
of hostile data are proven route by route in tests/web/test_hostile_input.py. A generated `{id}`
rarely names anything, so cases also draw it from integrations that exist (the token workspace's
published one, a draft, one in the trash, another workspace's public one), and a yank's `{version}`
from "1.0.0": edits, publishes, yanks and deletes of real integrations are checked too.

The token's workspace has its publisher-handle limit raised by staff (the real staff service), as a
CI publisher with many products would: schema-valid creates then make drafts under many new
handles. What the registry's state still refuses (a look-alike of a held handle, a reserved one)
is a documented 409, which the check accepts as it accepts a taken slug.
"""

from __future__ import annotations

import hashlib
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from app.domain.namespaces import HANDLE_LIMIT_MAX
from app.extensions import db
from app.services import integrations, namespace_admin, tokens

from ..browser.fixtures import LiveServer
from ..databases import migrated_app

MAX_EXAMPLES = 12
# Values no JSON Schema can make valid, each proven by its own tests instead: a cursor is an opaque
# token the server made for the same filters (anything else is its documented 400;
# tests/web/test_catalog_api.py), and the documents are checked beyond their schemas (semver ranges, the
# wizard-renderable subset, ...; tests/unit/test_publishing_documents.py, tests/web/test_publishing_api.py).
# Generated cases leave these optional values out so that "schema-valid is accepted" stays a real
# check for everything else.
OPAQUE_QUERY = ("cursor",)
DOCUMENT_KEYS = ("manifest", "variablesSchema", "authConfig")


def _one_key_per_request(case):
    """A client sends a new Idempotency-Key with each new request (the same one only with its
    retries); the same key with another body is the documented 422 idempotency_key_reused, so a
    generated key is made unique to its request (a digest of method, path and body appended)."""
    key = case.headers.get("Idempotency-Key") if case.headers is not None else None
    if isinstance(key, str):
        request = json.dumps([case.method, case.formatted_path, case.body], default=str)
        case.headers["Idempotency-Key"] = f"{key[:200]}-{hashlib.sha256(request.encode()).hexdigest()[:16]}"
    return case


def _without_opaque_values(case):
    if isinstance(case.query, dict):
        for name in OPAQUE_QUERY:
            case.query.pop(name, None)
    if isinstance(case.body, dict):
        for key in DOCUMENT_KEYS:
            case.body.pop(key, None)
    return case


def _with_known_ids(case, known_id, known_version):
    if isinstance(case.path_parameters, dict):
        if known_id is not None and "id" in case.path_parameters:
            case.path_parameters["id"] = known_id
        if known_version is not None and "version" in case.path_parameters:
            case.path_parameters["version"] = known_version
    return case


def _cases(operation, known: dict[str, list[str]], mode=GenerationMode.POSITIVE):
    """Schema-valid cases; a path's {id} is either generated or one of `known` (for a DELETE, its
    own victims, so the other operations keep integrations that are not in the trash)."""
    ids = known["delete" if operation.method.lower() == "delete" else "other"]
    return st.tuples(
        operation.as_strategy(generation_mode=mode).map(_without_opaque_values),
        st.sampled_from([None, *ids]),
        st.sampled_from([None, "1.0.0"]),
    ).map(lambda drawn: _one_key_per_request(_with_known_ids(*drawn)))


@pytest.fixture(scope="module")
def api_server():
    from .. import factories

    with migrated_app() as app:
        with app.app_context():
            membership = factories.member(role="owner")
            workspace = membership.workspace
            staff = factories.UserFactory(is_staff=True)
            namespace_admin.set_handle_limit(
                staff, workspace.slug, HANDLE_LIMIT_MAX, "Publishes many products from CI"
            )
            published = factories.IntegrationFactory.published(workspace=workspace)
            draft = factories.IntegrationFactory(workspace=workspace)
            trashed, doomed = (factories.IntegrationFactory.published(workspace=workspace) for _ in "ab")
            integrations.soft_delete(membership.user, trashed)
            foreign = factories.IntegrationFactory.published()  # another workspace's, public
            _token, raw = tokens.create_token(membership.user, workspace.id, "CI", 30)
            known = {
                "other": [published.id, draft.id, trashed.id, foreign.id],
                "delete": [doomed.id, trashed.id, foreign.id],
            }
            db.session.commit()
            db.session.remove()
        server = LiveServer(app).start()
        try:
            yield server, {"Authorization": f"Bearer {raw}"}, known
        finally:
            server.stop()


@pytest.fixture(scope="module")
def api_schema(api_server):
    server, _headers, _known = api_server
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    schema.config.update(base_url=server.url)
    return schema


def _run_operation(operation, base_url: str, headers: dict, known: dict, mode) -> tuple[list[str], list[int]]:
    """(failures, status codes seen) of one operation's generated cases, each sent twice."""
    failures: list[str] = []
    statuses: list[int] = []

    @given(case=_cases(operation, known, mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # As generated (a made-up bearer token, or none where the operation allows anonymous
        # callers), then with no Authorization header at all, then with the workspace's real token.
        for leg, extra in (("generated token", {}), ("no token", {}), ("valid token", headers)):
            if leg == "no token" and case.headers is not None:
                case.headers.pop("Authorization", None)
            try:
                response = case.call_and_validate(base_url=base_url, headers=extra)
            except Exception as error:  # noqa: BLE001 (collected, reported together below)
                failures.append(f"{operation.label} with {leg}: {error}\n{case.as_curl_command()}")
                raise
            statuses.append(response.status_code)

    try:
        run()
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 (a check's failure is already in `failures`)
        if not failures:
            failures.append(f"{operation.label}: {error}")
    return failures[:1], statuses


def test_the_api_answers_as_its_openapi_document_says(api_server, api_schema):
    mode = GenerationMode.POSITIVE
    server, bearer, known = api_server
    failures: list[str] = []
    seen: dict[str, list[int]] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:
        found, seen[operation.label] = _run_operation(operation, server.url, bearer, known, mode)
        failures += found
    assert not failures, "\n\n".join(failures)
    # Every operation was exercised, and the generated data got past validation where it can:
    # the reads and the create answer 2xx for some cases, not only refusals.
    assert all(seen.values()), seen
    for label in ("GET /api/v1/integrations", "POST /api/v1/integrations"):
        assert any(200 <= status < 300 for status in seen[label]), (label, seen[label])
