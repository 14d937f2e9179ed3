"""The demo's OAuth URLs follow the port `make run` is started on, every time: `demo-oauth-url`
re-points the demo provider's own endpoints (and nothing else) at the current base URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.extensions import db
from app.models import Integration, IntegrationVersion

OLD = "http://127.0.0.1:5000/demo-oauth"
NEW = "http://127.0.0.1:5050/demo-oauth"
ROOT = Path(__file__).resolve().parents[2]


def _oauth(base: str, client_id: str = "demo-client") -> dict:
    return {
        "type": "oauth2",
        "authorizeUrl": f"{base}/authorize",
        "tokenUrl": f"{base}/token",
        "scopes": ["read"],
        "clientId": client_id,
    }


def _configs(model) -> dict[str, list[dict]]:
    db.session.expire_all()
    found: dict[str, list[dict]] = {}
    for row in db.session.scalars(db.select(model)):
        slug = row.slug if model is Integration else row.integration.slug
        found.setdefault(slug, []).append(row.auth_config)
    return found


def test_only_the_demo_providers_endpoints_move_to_the_new_base(runner, factories):
    demo = factories.IntegrationFactory.published(slug="demo", auth_config=_oauth(OLD))
    factories.VersionFactory(integration=demo, version="1.1.0")
    factories.IntegrationFactory.published(
        slug="localhost", auth_config=_oauth("http://localhost:5000/demo-oauth")
    )
    factories.IntegrationFactory.published(
        slug="vendor", auth_config=_oauth("https://auth.example.com/demo-oauth")
    )
    factories.IntegrationFactory.published(slug="other-client", auth_config=_oauth(OLD, client_id="acme"))
    factories.IntegrationFactory.published(
        slug="keyed", auth_config={"type": "api_key", "authHeaderName": "X-Key", "authValuePrefix": ""}
    )
    db.session.commit()
    before = {**_configs(Integration)}

    result = runner.invoke(args=["demo-oauth-url"], env={"DEMO_OAUTH_BASE_URL": NEW + "/"})
    assert result.exit_code == 0, result.output
    assert "5 authConfigs re-pointed" in result.output  # demo and localhost, each listing and its versions

    for model in (Integration, IntegrationVersion):
        after = _configs(model)
        for slug in ("demo", "localhost"):
            for config in after[slug]:
                assert config == {**_oauth(NEW), "scopes": ["read"]}
        for slug in ("vendor", "other-client", "keyed"):
            assert after[slug] == before[slug] * len(after[slug])

    again = runner.invoke(args=["demo-oauth-url"], env={"DEMO_OAUTH_BASE_URL": NEW})
    assert again.exit_code == 0 and "0 authConfigs re-pointed" in again.output


def test_the_seeded_demo_follows_a_later_port(runner, app, monkeypatch):
    monkeypatch.setenv("DEMO_OAUTH_BASE_URL", OLD)
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert runner.invoke(args=["demo-oauth-url"], env={"DEMO_OAUTH_BASE_URL": NEW}).exit_code == 0
    oauth = [
        config
        for model in (Integration, IntegrationVersion)
        for configs in _configs(model).values()
        for config in configs
        if config.get("type") == "oauth2"
    ]
    assert oauth
    assert all(c["authorizeUrl"] == f"{NEW}/authorize" and c["tokenUrl"] == f"{NEW}/token" for c in oauth)
    # The connection tests (oauth2 and api_key listings alike) call the demo service on the new port too,
    # or the wizard's key check would fail there.
    tested = [
        config
        for model in (Integration, IntegrationVersion)
        for configs in _configs(model).values()
        for config in configs
        if "test" in config
    ]
    assert {c["type"] for c in tested} == {"oauth2", "api_key"}
    assert all(c["test"]["url"] == f"{NEW}/test" for c in tested)


def test_the_command_does_nothing_where_the_demo_provider_is_off(runner, app, factories, monkeypatch):
    factories.IntegrationFactory.published(slug="demo", auth_config=_oauth(OLD))
    db.session.commit()
    monkeypatch.setitem(app.config, "DEMO_OAUTH_PROVIDER", False)
    result = runner.invoke(args=["demo-oauth-url"], env={"DEMO_OAUTH_BASE_URL": NEW})
    assert result.exit_code == 0 and "nothing re-pointed" in result.output
    assert _configs(Integration)["demo"] == [_oauth(OLD)]


def test_make_run_re_points_at_every_start_on_its_own_port():
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", "PORT=5050", "HOST=127.0.0.1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    seed = next(i for i, line in enumerate(dry) if "seed-demo --if-empty" in line)
    repoint = next(i for i, line in enumerate(dry) if line.endswith(" demo-oauth-url"))
    serve = next(i for i, line in enumerate(dry) if " run --host 127.0.0.1 --port 5050" in line)
    assert seed < repoint < serve
    assert f"DEMO_OAUTH_BASE_URL={NEW} " in dry[repoint]
