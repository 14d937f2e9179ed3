"""The OpenAPI document tells the truth: schemathesis generates requests from /api/v1/openapi.json,
sends them over real HTTP to a live server (a fresh migrated database on the suite's backend, a
little seeded data) and checks every answer against the document with every check it has (not a
server error, status codes, content types, headers and response schemas as declared, auth enforced,
schema-valid requests accepted, schema-violating ones refused...), none dropped.

Two generation modes, each on a server of its own: positive (schema-valid data) and negative (data
that violates the schema: wrong types, patterns, lengths, unknown keys, bad headers). Each
generated case is sent as generated (a made-up bearer token, or none where anonymous callers are
allowed) and with no Authorization at all; cases generated with the workspace's real token fixed
are sent with it. Fixed seed (Hypothesis `derandomize`) and MAX_EXAMPLES per operation and token.

A generated `{id}` rarely names anything, so cases also draw it from integrations that exist (the
token workspace's published one, versions 1.0.0 and 1.1.0; a draft; one in the trash; one staff
took down; another workspace's public one) and a yank's `{version}` from "1.0.0"; and one hand-written request per
operation on a real integration must succeed. The token's workspace has its publisher-handle limit
raised by staff (the real staff service), as for a CI publisher with many products: what the
registry's state still refuses (a look-alike of a held handle, a reserved one) is a documented 409.

The input guard's refusals of hostile data (NUL, lone surrogates...) are proven route by route in
tests/web/test_hostile_input.py.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from app.domain.namespaces import HANDLE_LIMIT_MAX
from app.extensions import db
from app.services import integrations, namespace_admin, staff, tokens

from ..browser.fixtures import LiveServer
from ..databases import migrated_app

MAX_EXAMPLES = 8
# Values no JSON Schema can make valid, each proven by its own tests instead: a cursor is an opaque
# token the server made for the same filters (anything else is its documented 400;
# tests/web/test_catalog_api.py), and the documents are checked beyond their schemas (semver ranges, the
# wizard-renderable subset, ...; tests/unit/test_publishing_documents.py, tests/web/test_publishing_api.py).
# Generated cases leave these optional values out so that "schema-valid is accepted" stays a real
# check for everything else.
OPAQUE_QUERY = ("cursor",)
# Schemathesis's defaults for "a schema-valid request may answer", plus the documented 410: a listing
# staff took down is gone for everyone, whatever the request (tests/web/test_reports.py).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "410", "429", "5xx"]
            }
        }
    }
)
DOCUMENT_KEYS = ("manifest", "variablesSchema", "authConfig")


def _one_key_per_request(case):
    """A client sends a new Idempotency-Key with each new request (the same one only with its
    retries); the same key with another body is the documented 422 idempotency_key_reused, so a
    generated key is made unique to its request: a digest of method, path and body appended to
    it, inside its quotes and spaces if it has any."""
    key = case.headers.get("Idempotency-Key") if case.headers is not None else None
    parts = re.fullmatch(r'([ \t]*)("?)(.*?)\2([ \t]*)', key, re.S) if isinstance(key, str) else None
    if parts is not None:
        before, quote, value, after = parts.groups()
        request = json.dumps([case.method, case.formatted_path, case.body], default=str)
        digest = hashlib.sha256(request.encode()).hexdigest()[:16]
        case.headers["Idempotency-Key"] = f"{before}{quote}{value[:200]}-{digest}{quote}{after}"
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
    negated = case.meta is not None and case.meta.components.get("path")
    if negated and negated.mode == GenerationMode.NEGATIVE:
        return case  # the path is what this case gets wrong: keep it
    if isinstance(case.path_parameters, dict):
        if known_id is not None and "id" in case.path_parameters:
            case.path_parameters["id"] = known_id
        if known_version is not None and "version" in case.path_parameters:
            case.path_parameters["version"] = known_version
    return case


def _cases(operation, known: dict[str, list[str]], mode, token: dict | None):
    """Generated cases; a path's {id} is either generated or one of `known` (for a DELETE, its
    own victims, so the other operations keep integrations that are not in the trash). With
    `token`, the Authorization header is that real token, fixed before generation, so a negative
    case never owes its only flaw to a header the test then replaced."""
    ids = known["delete" if operation.method.lower() == "delete" else "other"]
    return st.tuples(
        operation.as_strategy(generation_mode=mode, headers=token).map(_without_opaque_values),
        st.sampled_from([None, *ids]),
        st.sampled_from([None, "1.0.0"]),
    ).map(lambda drawn: _one_key_per_request(_with_known_ids(*drawn)))


def _seed_workspace(factories, moderator) -> tuple[dict, dict]:
    """A CI publisher's workspace (handle limit raised by staff) with integrations in every state
    the write calls meet: (its bearer header, the ids and publisher the cases draw from)."""
    membership = factories.member(role="owner")
    workspace = membership.workspace
    namespace_admin.set_handle_limit(
        moderator, workspace.slug, HANDLE_LIMIT_MAX, "Publishes many products from CI"
    )
    published = factories.IntegrationFactory.published(workspace=workspace, version="1.1.0")
    factories.VersionFactory(integration=published, version="1.0.0")  # may be yanked
    draft = factories.IntegrationFactory(workspace=workspace)
    trashed, doomed, taken_down = (factories.IntegrationFactory.published(workspace=workspace) for _ in "abc")
    integrations.soft_delete(membership.user, trashed)
    staff.take_down(moderator, taken_down, "Misleading listing")
    foreign = factories.IntegrationFactory.published()  # another workspace's, public
    _token, raw = tokens.create_token(membership.user, workspace.id, "CI", 30)
    known = {
        "other": [published.id, draft.id, trashed.id, foreign.id, taken_down.id],
        "delete": [doomed.id, trashed.id, foreign.id],
        "publisher": published.publisher,
    }
    return {"Authorization": f"Bearer {raw}"}, known


@pytest.fixture(scope="module")
def api_server():
    """One live server for both modes (starting it is the slow part), each mode with a workspace
    of its own, so neither sees what the other changed whatever order they run in."""
    from .. import factories

    with migrated_app() as app:
        with app.app_context():
            moderator = factories.UserFactory(is_staff=True)
            worlds = {mode: _seed_workspace(factories, moderator) for mode in GenerationMode}
            db.session.commit()
            db.session.remove()
        server = LiveServer(app).start()
        try:
            yield server, worlds
        finally:
            server.stop()


@pytest.fixture(scope="module")
def api_schema(api_server):
    server, _worlds = api_server
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json", config=CONFIG)
    schema.config.update(base_url=server.url)
    return schema


def _generated(
    operation, base_url: str, known: dict, mode, token: dict | None
) -> tuple[list[str], list[int]]:
    """(failures, status codes seen) of one operation's generated cases. Without `token`, each is
    sent as generated (a made-up bearer token, or none where anonymous callers are allowed) and
    with no Authorization header at all; with it, once with the workspace's real token."""
    failures: list[str] = []
    statuses: list[int] = []
    legs = ("valid token",) if token else ("generated token", "no token")

    @given(case=_cases(operation, known, mode, token))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for leg in legs:
            if leg == "no token" and case.headers is not None:
                case.headers.pop("Authorization", None)
            try:
                response = case.call_and_validate(base_url=base_url, headers=token)
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


def _explicit(operation, base_url: str, known: dict, token: dict):
    """One hand-written, schema-valid request per operation on a real integration, with the token:
    checked like the generated ones, and it must succeed (the generated ones may all be refused)."""
    published, doomed = known["other"][0], known["delete"][0]
    cases = {
        "GET /api/v1/integrations": {"query": {"publisher": known["publisher"], "limit": 5}},
        "POST /api/v1/integrations": {"body": {"name": "Explicit", "publisher": "explicit-co"}},
        "GET /api/v1/integrations/{id}": {"path_parameters": {"id": published}},
        "PATCH /api/v1/integrations/{id}": {
            "path_parameters": {"id": published},
            "body": {"description": "Edited over the API", "retentionTier": "long"},
        },
        "GET /api/v1/integrations/{id}/versions": {"path_parameters": {"id": published}},
        "GET /api/v1/integrations/{id}/listing": {"path_parameters": {"id": published}},
        "POST /api/v1/integrations/{id}/versions": {
            "path_parameters": {"id": published},
            "body": {"version": "2.0.0", "changelog": "Explicit."},
        },
        "POST /api/v1/integrations/{id}/versions/{version}/yank": {
            "path_parameters": {"id": published, "version": "1.0.0"},
            "body": {"reason": "Breaks installs"},
        },
        "DELETE /api/v1/integrations/{id}": {"path_parameters": {"id": doomed}},
    }
    case = operation.Case(headers=dict(token), **cases[operation.label])
    return case.call_and_validate(base_url=base_url)


def _can_be_sent_wrong(operation) -> bool:
    """Whether some request violates the operation's schema. Not when its only input is a path
    segment of any string (GET by id): every segment is a string, so there is nothing to negate."""
    raw = operation.definition.raw
    return "requestBody" in raw or any(
        parameter["in"] != "path" or parameter["schema"] != {"type": "string"}
        for parameter in raw.get("parameters", [])
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_openapi_document_says(api_server, api_schema, mode):
    """Positive: schema-valid requests are accepted (or refused only as the document allows: 401,
    404, 409...). Negative: schema-violating requests (wrong types, patterns, unknown keys, bad
    headers...) are refused with a 4xx, on real integrations too."""
    server, worlds = api_server
    bearer, known = worlds[mode]
    failures: list[str] = []
    seen: dict[str, list[int]] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 9
    if mode == GenerationMode.NEGATIVE:
        operations = [operation for operation in operations if _can_be_sent_wrong(operation)]
        assert len(operations) == 6
    for operation in operations:
        if mode == GenerationMode.POSITIVE:
            # First, so the integrations it uses are as seeded.
            assert _explicit(operation, server.url, known, bearer).status_code in (200, 201)
        seen[operation.label] = []
        for token in (None, bearer):
            found, statuses = _generated(operation, server.url, known, mode, token)
            failures += found
            seen[operation.label] += statuses
    assert not failures, "\n\n".join(failures)
    assert all(seen.values()), seen  # every operation was exercised
    if mode == GenerationMode.POSITIVE:
        # Generated data gets past validation, not only refusals, where nothing else stands in
        # its way (the other operations' generated ids and versions rarely name anything).
        for label in ("GET /api/v1/integrations", "POST /api/v1/integrations"):
            assert any(200 <= status < 300 for status in seen[label]), (label, seen[label])
