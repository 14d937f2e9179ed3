"""Every page the mail links open, and the outbox, pass the shell's accessibility and inline-free
checks (labels, headings in order, no inline script or style), valid links and spent ones alike."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.extensions import db
from app.services import mail

from ..web.test_shell_web import check_page


def test_mail_link_pages_and_the_outbox_are_accessible(client, auth, factories):
    owner = factories.member(workspace=factories.WorkspaceFactory(slug="acme", name="Acme"), role="owner")
    invitee = factories.UserFactory(email="invitee@example.test")
    db.session.commit()
    auth.login(owner.user)
    client.post_form("/workspaces/acme/invitations", {"email": "invitee@example.test", "role": "member"})
    check_page(client.get("/workspaces/acme").text)
    auth.logout()
    client.post_form("/forgot-password", {"email": "invitee@example.test"})
    client.post_form(
        "/register",
        {"email": "fresh@example.test", "password": "a-long-password", "confirm": "a-long-password"},
    )
    links = {}
    for message in mail.outbox():
        for word in message.body.split():
            if word.startswith("http://"):
                links.setdefault(urlsplit(word).path.split("/")[1], urlsplit(word).path)
    assert set(links) >= {"invitations", "reset-password", "verify-email"}

    pages = [
        "/forgot-password",
        "/check-email",
        links["verify-email"],
        links["reset-password"],
        "/dev/outbox",
    ]
    pages += [f"/dev/outbox/{m.id}" for m in mail.outbox()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response.text)
    check_page(client.get("/verify-email/spent-or-unknown").text)

    auth.login(invitee)
    check_page(client.get(links["invitations"]).text)
    auth.login(factories.UserFactory(email="someone.else@example.test"))
    refused = client.get(links["invitations"])
    assert refused.status_code == 403
    check_page(refused.text)
