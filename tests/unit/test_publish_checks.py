"""The automated publish checks as pure rules: each id fires on its case and stays quiet otherwise."""

from __future__ import annotations

import pytest

from app.domain import checks
from app.domain.checks import Dependency, Listing, PublishContext

OAUTH = {
    "type": "oauth2",
    "authorizeUrl": "https://auth.example.com/authorize",
    "tokenUrl": "https://auth.example.com/token",
    "scopes": ["read"],
    "clientId": "c",
}
VARIABLES = {"type": "object", "properties": {"region": {"type": "string"}, "count": {"type": "integer"}}}


def ctx(**kwargs) -> PublishContext:
    documents = {"manifest": {}, "variablesSchema": VARIABLES, "authConfig": OAUTH}
    documents.update(kwargs.pop("documents", {}))
    return PublishContext(**{"version": "1.0.1", "documents": documents, **kwargs})


def previous(**documents) -> dict:
    return {"manifest": {}, "variablesSchema": VARIABLES, "authConfig": OAUTH, **documents}


def ids(context) -> list[str]:
    return [f.check for f in checks.run_checks(context)]


def test_ids_are_stable_and_each_has_a_severity_and_an_explanation():
    assert sorted(checks.CHECKS) == ["MP001", "MP002", "MP003", "MP004", "MP005", "MP006", "MP007"]
    assert {c.severity for c in checks.CHECKS.values()} <= {"error", "warning"}
    assert all(len(c.explanation) > 40 for c in checks.CHECKS.values())
    assert checks.check_by_id("MP999") is None and checks.check_by_id("mp001") is None


@pytest.mark.parametrize("version, fires", [("1.0.1", True), ("1.1.0", True), ("2.0.0", False)])
def test_mp001_new_scope_in_a_patch_or_minor(version, fires):
    grown = {**OAUTH, "scopes": ["read", "write"]}
    context = ctx(
        version=version,
        previous_version="1.0.0",
        previous_documents=previous(),
        documents={"authConfig": grown},
    )
    assert ("MP001" in ids(context)) is fires
    if fires:
        [finding] = [f for f in checks.run_checks(context) if f.check == "MP001"]
        assert finding.severity == "warning" and "write" in finding.message


def test_mp001_reads_zero_major_versions_as_caret_does():
    grown = {**OAUTH, "scopes": ["read", "write"]}
    base = {"previous_version": "0.3.0", "previous_documents": previous(), "documents": {"authConfig": grown}}
    assert "MP001" in ids(ctx(version="0.3.1", **base))
    assert "MP001" not in ids(ctx(version="0.4.0", **base))


@pytest.mark.parametrize(
    "authorize, token, fires",
    [
        ("https://auth.example.com/a", "https://api.example.com/t", False),
        ("https://login.example.co.uk/a", "https://api.example.co.uk/t", False),
        ("https://accounts.example.com/a", "https://oauth.example.net/t", True),
        ("https://example.co.uk/a", "https://other.co.uk/t", True),  # co.uk is a public suffix
        ("https://a.github.io/a", "https://b.github.io/t", True),  # so is github.io (private section)
    ],
)
def test_mp002_authorize_and_token_on_different_registrable_domains(authorize, token, fires):
    config = {**OAUTH, "authorizeUrl": authorize, "tokenUrl": token}
    assert ("MP002" in ids(ctx(documents={"authConfig": config}))) is fires


def test_mp002_registrable_domain_of_ip_addresses_and_single_labels():
    assert checks.registrable_domain("127.0.0.1") == "127.0.0.1"
    assert checks.registrable_domain("localhost") == "localhost"
    assert checks.registrable_domain("a.b.example.com") == "example.com"


def test_mp003_plain_http_endpoints_only_matter_in_production():
    config = {**OAUTH, "tokenUrl": "http://localhost:8000/token", "test": {"url": "http://localhost/ping"}}
    assert "MP003" not in ids(ctx(documents={"authConfig": config}))
    found = [
        f
        for f in checks.run_checks(ctx(documents={"authConfig": config}, production=True))
        if f.check == "MP003"
    ]
    assert [f.path for f in found] == ["$.authConfig.tokenUrl", "$.authConfig.test.url"]
    assert all(f.severity == "error" for f in found)
    assert "MP003" not in ids(ctx(production=True))


@pytest.mark.parametrize(
    "name, handle, fires",
    [
        ("S1ack", "tinkerers", True),  # 1 ~ l
        ("slack", "tinkerers", True),  # case
        ("Sl-ack", "tinkerers", True),  # separators
        ("Slack", "slack", False),  # the original itself
        ("Slackbot", "tinkerers", False),
        ("Notes", "s1ack", True),  # the handle
    ],
)
def test_mp004_name_or_handle_confusable_with_another_publishers(name, handle, fires):
    context = ctx(
        name=name, handle=handle, other_listings=[Listing("slack", "Slack")], other_handles=["slack"]
    )
    assert ("MP004" in ids(context)) is fires


def test_mp005_dependency_on_a_lower_trust_integration():
    deps = [Dependency("acme/base", "community"), Dependency("acme/core", "first_party")]
    found = [
        f
        for f in checks.run_checks(ctx(trust_tier="verified_partner", dependencies=deps))
        if f.check == "MP005"
    ]
    assert [f.path for f in found] == ["$.manifest.dependencies[0]"]
    assert "MP005" not in ids(ctx(trust_tier="community", dependencies=deps))


@pytest.mark.parametrize(
    "properties, fires",
    [
        ({"count": {"type": "integer"}}, True),  # region removed
        ({"region": {"type": "integer"}, "count": {"type": "integer"}}, True),  # retyped
        (
            {"region": {"type": "string", "title": "Region"}, "count": {"type": "string"}},
            False,
        ),  # count unused
    ],
)
def test_mp006_variable_in_use_removed_or_retyped(properties, fires):
    schema = {"type": "object", "properties": properties}
    base = {
        "previous_version": "1.0.0",
        "previous_documents": previous(),
        "documents": {"variablesSchema": schema},
        "variables_in_use": frozenset({"region"}),
    }
    assert ("MP006" in ids(ctx(version="1.0.1", **base))) is fires
    assert "MP006" not in ids(ctx(version="2.0.0", **base))  # a major version may break them


def test_checks_survive_malformed_documents():
    weird = {
        "manifest": [],
        "variablesSchema": {"properties": []},
        "authConfig": {"type": "oauth2", "scopes": "x"},
    }
    context = PublishContext(version="x", previous_version="1.0.0", previous_documents=weird, documents=weird)
    assert checks.run_checks(context) == []


def test_review_rule_for_which_version_may_be_current():
    from types import SimpleNamespace as Row

    from app.domain import review

    live, approved = Row(review_state=None), Row(review_state="approved")
    pending, rejected = Row(review_state="pending"), Row(review_state="rejected")
    for version in (live, approved):
        assert review.version_is_live(version) and review.may_be_current(version, own_workspace=False)
    assert not review.may_be_current(pending, own_workspace=False)
    assert review.may_be_current(pending, own_workspace=True)
    assert not review.may_be_current(rejected, own_workspace=True)
    assert review.may_see_version(rejected, own_workspace=True)
    assert not review.may_see_version(pending, own_workspace=False)
