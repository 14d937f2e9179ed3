"""NOT YET COLLECTED (the file name keeps pytest away): it still finds mismatches, see below.
Rename to test_openapi_conformance.py once it passes on both databases.

Open findings (schemathesis 4.32, 12 examples per operation, fixed seed):
- GET /api/v1/integrations: schema-valid `q`/`cursor` strings holding NUL or lone surrogates are
  refused with 400 by the input guard; the spec must say so (a pattern) or declare the 400 better.
- POST /api/v1/integrations, PATCH /api/v1/integrations/{id}: schema-valid bodies refused with 422
  (name/description/slug constraints the server enforces are missing from the request schemas).

The OpenAPI document tells the truth: schemathesis generates requests from /api/v1/openapi.json,
sends them to a live server (a fresh migrated database, a little seeded data) with and without a
workspace-scoped bearer token, and checks every answer against the document.

Fixed seed (derandomize) and a bounded number of examples per operation, so a run is repeatable
and takes well under a minute per database. Every check schemathesis has runs (status code
conformance, response schema conformance, content type, headers, not a server error, negative data
rejected, positive data accepted, ...); none is dropped.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from app.extensions import db
from app.services import tokens

from ..browser.fixtures import LiveServer
from ..databases import migrated_app

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def api_server():
    from .. import factories

    with migrated_app() as app:
        with app.app_context():
            membership = factories.member(role="owner")
            factories.IntegrationFactory.published(workspace=membership.workspace)
            factories.IntegrationFactory.published()  # another workspace's, public
            _token, raw = tokens.create_token(membership.user, membership.workspace.id, "CI", 30)
            db.session.commit()
            db.session.remove()
        server = LiveServer(app).start()
        try:
            yield server, {"Authorization": f"Bearer {raw}"}
        finally:
            server.stop()


@pytest.fixture(scope="module")
def api_schema(api_server):
    server, _headers = api_server
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    schema.config.update(base_url=server.url)
    return schema


def _run_operation(operation, base_url: str, headers: dict) -> list[str]:
    failures: list[str] = []
    calls: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for extra in ({}, headers):
            calls.append(1)
            try:
                case.call_and_validate(base_url=base_url, headers=extra)
            except Exception as error:  # noqa: BLE001 (collected, reported together below)
                failures.append(f"{operation.label} {'with' if extra else 'without'} token: {error}")
                raise

    try:
        run()
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 (a check's failure is already in `failures`)
        if not failures:
            failures.append(f"{operation.label}: {error!r}")
    if not calls:
        failures.append(f"{operation.label}: no request was generated")
    return failures


def test_the_api_answers_as_its_openapi_document_says(api_server, api_schema):
    server, bearer = api_server
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:
        failures += _run_operation(operation, server.url, bearer)[:1]
    assert not failures, "\n\n".join(failures)
