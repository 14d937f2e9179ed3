"""Real commits on fresh databases: a wizard started on one app process completes on another;
secrets are Fernet ciphertext in the database itself; rotate-credentials re-encrypts them."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from app.extensions import db
from app.models import Credential, Installation, Integration, WizardSession
from app.services import crypto
from tests.conftest import Client
from tests.databases import migrated_app
from tests.install_fixtures import CLIENT_SECRET, local_path
from tests.install_support import API_KEY_AUTH, admin, oauth_auth, publish, wizard_id_from
from tests.processes import Person, free_port, gunicorn_processes, server_env

pytestmark = pytest.mark.concurrency

API_KEY = "ak_live_NEVER_IN_CLEAR_9c1e5d77"
DEMO_SECRET = "demo-client-secret"


def _seed(app, build):
    with app.app_context():
        result = build()
        db.session.commit()
        return result


def test_a_wizard_started_on_one_process_completes_on_another():
    """Two gunicorn processes on one database. A also hosts the demo provider; both sit behind one
    public address (PUBLIC_BASE_URL, here A's) for the OAuth callback."""
    with migrated_app() as seeder:
        port_a, port_b = free_port(), free_port()
        a_url = f"http://127.0.0.1:{port_a}"

        def build():
            user, workspace = admin()
            integration = publish(
                auth=oauth_auth(a_url, ["read"]),
                schema={"type": "object", "properties": {"note": {"type": "string"}}},
            )
            integration.oauth_client_secret_encrypted = crypto.encrypt_json(DEMO_SECRET)
            return user.email, workspace.id, integration.publisher, integration.slug

        email, workspace_id, publisher, slug = _seed(seeder, build)
        env = server_env(
            seeder,
            DEMO_OAUTH_PROVIDER="1",
            DEMO_OAUTH_BASE_URL=f"{a_url}/demo-oauth",
            PUBLIC_BASE_URL=a_url,
        )
        with gunicorn_processes([port_a, port_b], env) as (a, b):
            person = Person()
            assert person.post(f"{a}/login", {"email": email, "password": "password123"}).status_code == 302
            started = person.post(
                f"{a}/install/{publisher}/{slug}", {"workspace": workspace_id, "consent": "y"}
            )
            wid = wizard_id_from(started.headers["Location"])
            step = f"/install/w/{wid}"
            assert person.post(f"{b}{step}/dependencies").headers["Location"].endswith(f"{step}/auth")
            authorize = person.post(f"{b}{step}/auth/connect", token_from=f"{b}{step}/auth")
            assert authorize.headers["Location"].startswith(f"{a}/demo-oauth/authorize?")
            callback = person.post(authorize.headers["Location"], {"decision": "approve"})
            location = callback.headers["Location"]
            assert location.startswith(f"{a}/install/callback?")
            back = person.http.get(location, allow_redirects=False, timeout=20)
            assert back.headers["Location"].endswith(f"{step}/variables")
            assert person.post(f"{b}{step}/variables", {"var-note": "hello"}).status_code == 302
            done = person.post(f"{b}{step}/review")
            assert done.status_code == 302 and "/installations" in done.headers["Location"]
            assert "hello" not in person.http.get(f"{a}{step}/review", allow_redirects=False).text  # finished
        with seeder.app_context():
            installation = db.session.scalar(db.select(Installation))
            assert installation.variables == {"note": "hello"} and installation.credential.kind == "oauth2"
            assert installation.granted_scopes == ["read"]


def _install_both_kinds(app, provider):
    """An api_key and an oauth2 install through the wizard, committed for real. Returns the secrets."""
    app.test_client_class = Client
    client = app.test_client()

    def build():
        user, workspace = admin()
        keyed = publish(auth=API_KEY_AUTH)
        oauth = publish(auth=oauth_auth(provider.url, ["read"]))
        oauth.oauth_client_secret_encrypted = crypto.encrypt_json(CLIENT_SECRET)
        return user.email, workspace.id, [(i.publisher, i.slug) for i in (keyed, oauth)]

    email, workspace_id, (keyed, oauth) = _seed(app, build)
    assert client.post_form("/login", {"email": email, "password": "password123"}).status_code == 302

    wid = wizard_id_from(
        client.post_form(
            f"/install/{keyed[0]}/{keyed[1]}", {"workspace": workspace_id, "consent": "y"}
        ).headers["Location"]
    )
    client.post_form(f"/install/w/{wid}/dependencies")
    client.post_form(f"/install/w/{wid}/auth", {"api_key": API_KEY})
    client.post_form(f"/install/w/{wid}/variables")
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302

    from tests.install_fixtures import ResourceOwner

    wid = wizard_id_from(
        client.post_form(
            f"/install/{oauth[0]}/{oauth[1]}", {"workspace": workspace_id, "consent": "y"}
        ).headers["Location"]
    )
    client.post_form(f"/install/w/{wid}/dependencies")
    owner = ResourceOwner()
    callback = owner.decide(client.post_form(f"/install/w/{wid}/auth/connect").headers["Location"])
    assert client.get(local_path(callback)).status_code == 302
    client.post_form(f"/install/w/{wid}/variables")
    assert client.post_form(f"/install/w/{wid}/review").status_code == 302
    with app.app_context():
        tokens = [crypto.decrypt_json(c.secret_encrypted) for c in db.session.scalars(db.select(Credential))]
    oauth_token = next(t for t in tokens if t["kind"] == "oauth2")
    return [API_KEY, CLIENT_SECRET, oauth_token["access_token"], oauth_token["refresh_token"]]


def _raw_database_text(app) -> str:
    """Everything the database holds, as the server stores it (file bytes, or every row as text)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # checkpoint nothing away: read the main file and its WAL both
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()).decode("latin-1")
    with app.app_context(), db.engine.connect() as connection:
        return "\n".join(
            str(row[0])
            for table in inspect(connection).get_table_names()
            for row in connection.execute(text(f'SELECT t::text FROM "{table}" AS t'))
        )


def test_secrets_are_ciphertext_in_the_database(oauth_provider):
    with migrated_app() as app:
        secrets = _install_both_kinds(app, oauth_provider)
        with app.app_context():
            stored = [c.secret_encrypted for c in db.session.scalars(db.select(Credential))]
            stored.append(
                db.session.scalar(
                    db.select(Integration.oauth_client_secret_encrypted).where(
                        Integration.oauth_client_secret_encrypted.is_not(None)
                    )
                )
            )
        assert len(stored) == 3 and all(value.startswith("gAAAAA") for value in stored)
        raw = _raw_database_text(app)
        assert "gAAAAA" in raw  # the ciphertext is there...
        for secret in secrets:
            assert secret not in raw  # ...and no secret in clear


def test_rotate_credentials_reencrypts_with_the_newest_key(oauth_provider):
    with migrated_app() as app:
        _install_both_kinds(app, oauth_provider)
        old_key = app.config["CREDENTIALS_KEYS"][0]
        new_key = Fernet.generate_key().decode()
        with app.app_context():
            from app.models import User, Workspace
            from app.models.base import utcnow

            integration = db.session.scalar(
                db.select(Integration).where(Integration.auth_config["type"].as_string() == "api_key")
            )
            pending = WizardSession(
                user_id=db.session.scalar(db.select(User.id)),
                integration_id=integration.id,
                workspace_id=db.session.scalar(db.select(Workspace.id)),
                expires_at=utcnow(),
                data={},
                completed_steps=[],
                secret_encrypted=crypto.encrypt_json({"k": "v"}),
            )
            db.session.add(pending)
            db.session.commit()
        app.config["CREDENTIALS_KEYS"] = [new_key, old_key]
        result = app.test_cli_runner().invoke(args=["rotate-credentials"])
        assert result.exit_code == 0, result.output
        assert "2 credentials, 1 wizard sessions, 1 integration client secrets" in result.output
        app.config["CREDENTIALS_KEYS"] = [new_key]  # the old key can go now
        with app.app_context():
            db.session.expire_all()
            values = [
                crypto.decrypt_json(c.secret_encrypted) for c in db.session.scalars(db.select(Credential))
            ]
            assert {v.get("api_key") for v in values} >= {API_KEY}
            assert crypto.decrypt_json(
                db.session.scalar(
                    db.select(WizardSession.secret_encrypted).where(
                        WizardSession.secret_encrypted.is_not(None)
                    )
                )
            ) == {"k": "v"}
            client_secret = db.session.scalar(
                db.select(Integration.oauth_client_secret_encrypted).where(
                    Integration.oauth_client_secret_encrypted.is_not(None)
                )
            )
            assert Fernet(new_key).decrypt(client_secret.encode()).decode() == f'"{CLIENT_SECRET}"'


def test_rotate_credentials_refuses_when_a_key_is_missing(oauth_provider):
    with migrated_app() as app:
        _install_both_kinds(app, oauth_provider)
        old_keys = app.config["CREDENTIALS_KEYS"]
        app.config["CREDENTIALS_KEYS"] = [Fernet.generate_key().decode()]  # the old key removed too early
        result = app.test_cli_runner().invoke(args=["rotate-credentials"])
        assert result.exit_code != 0 and "cannot be decrypted" in result.output
        app.config["CREDENTIALS_KEYS"] = old_keys
        with app.app_context():  # rolled back whole: everything still opens with the old key
            assert [
                crypto.decrypt_json(c.secret_encrypted)["kind"]
                for c in db.session.scalars(db.select(Credential).order_by(Credential.kind))
            ] == ["api_key", "oauth2"]
