"""Mail settings and the limits on what sends mail, each on an app of its own: production refuses
to start without MAIL_SERVER; the development outbox exists only when mail is kept, not sent; the
password reset, resend-verification and invitation forms are rate-limited."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import load_config
from app.extensions import db
from app.models import Membership, User, Workspace
from app.services.accounts import register_user

from ..databases import migrated_app
from ..databases import test_config as config_for
from ..mail_fixtures import Mailbox, smtp_settings

pytestmark = pytest.mark.concurrency  # own app and database, committing for real


def test_production_refuses_to_start_without_a_mail_server(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("CREDENTIALS_KEYS", "k")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.internal:6379/0")
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://market.example.com")
    with pytest.raises(RuntimeError, match="MAIL_SERVER and PUBLIC_BASE_URL"):
        load_config(str(tmp_path))
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.delenv("PUBLIC_BASE_URL")
    with pytest.raises(RuntimeError, match="MAIL_SERVER and PUBLIC_BASE_URL"):
        load_config(str(tmp_path))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://market.example.com")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    config = load_config(str(tmp_path))
    assert config["MAIL_PORT"] == 587 and config["MAIL_USE_TLS"] and not config["MAIL_OUTBOX"]


def test_the_outbox_page_shows_kept_mail_in_development_and_is_absent_when_mail_is_sent(app, smtp_server):
    with migrated_app(WTF_CSRF_ENABLED=False) as dev:
        client = dev.test_client()
        client.post("/forgot-password", data={"email": "someone@example.test"})
        listing = client.get("/dev/outbox")
        assert listing.status_code == 200 and "Password reset requested" in listing.text
        with dev.app_context():
            from app.services.mail import outbox

            message_id = outbox()[0].id
        page = client.get(f"/dev/outbox/{message_id}")
        assert page.status_code == 200 and 'href="http://localhost/register"' in page.text
        assert client.get("/dev/outbox/no-such-message").status_code == 404
    sending = create_app(config_for(app.config["SQLALCHEMY_DATABASE_URI"], **smtp_settings(smtp_server)))
    assert sending.test_client().get("/dev/outbox").status_code == 404


def _seed_owner(app) -> None:
    with app.app_context():
        owner = register_user("owner@example.test", "a-long-password", verified=True)
        workspace = Workspace(slug="acme", name="Acme")
        db.session.add(workspace)
        db.session.flush()
        db.session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role="owner"))
        db.session.add(User(email="unverified@example.test", password_hash=owner.password_hash))
        db.session.commit()


def test_reset_resend_and_invitations_are_rate_limited(smtp_server):
    limits = {
        "PASSWORD_RESET_RATE_LIMIT": "2 per minute",
        "VERIFY_RESEND_RATE_LIMIT": "1 per minute",
        "INVITE_RATE_LIMIT": "2 per minute",
    }
    with migrated_app(
        RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False, **limits, **smtp_settings(smtp_server)
    ) as app:
        _seed_owner(app)
        box = Mailbox(smtp_server)
        box.clear()
        client = app.test_client()
        forgot = [client.post("/forgot-password", data={"email": f"p{n}@example.test"}) for n in range(3)]
        assert [r.status_code for r in forgot] == [302, 302, 429]
        assert len(box.messages) == 2

        client.post("/login", data={"email": "unverified@example.test", "password": "a-long-password"})
        assert [client.post("/verify-email/resend").status_code for _ in range(2)] == [302, 429]

        owner = app.test_client()
        owner.post("/login", data={"email": "owner@example.test", "password": "a-long-password"})
        invites = [
            owner.post("/workspaces/acme/invitations", data={"email": f"i{n}@example.test", "role": "member"})
            for n in range(3)
        ]
        assert [r.status_code for r in invites] == [302, 302, 429]
        assert len(box.to("i0@example.test")) == 1 and not box.to("i2@example.test")
