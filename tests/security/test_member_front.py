"""The member page front (app/web/member_front.py): a signed-in member's kept page answered before
Flask runs, only after the checks Flask would make -- the signed session cookie, Flask-Login's
session protection, the account's session generation and active flag -- and only for the very
person, memberships and page generation it was kept for."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import request_started
from flask_login.utils import _create_identifier

from app.extensions import db
from app.models import Membership
from app.web import member_front, page_cache

CATALOG = "/integrations"


@contextmanager
def flask_requests(app):
    """How many requests reached Flask (its `request_started` signal) within the block."""
    started = []

    def note(sender, **extra):
        started.append(sender)

    request_started.connect(note, app)
    try:
        yield started
    finally:
        request_started.disconnect(note, app)


def _signed_in(client, auth, user, first_page: str = CATALOG) -> None:
    auth.login(user)
    assert "Log out" in client.get(first_page).get_data(as_text=True)  # shows (and so ends) the welcome


def _member_with_a_private_listing(factories):
    """A member of a workspace with a private listing, "Secret Lantern", which only its members see."""
    membership = factories.member()
    factories.IntegrationFactory.published(
        workspace=membership.workspace, name="Secret Lantern", visibility="private"
    )
    return membership


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_a_members_page_is_answered_before_flask_with_the_same_page_and_a_fresh_token(
    app, client, auth, factories, query_counter
):
    membership = _member_with_a_private_listing(factories)
    _signed_in(client, auth, membership.user)
    by_flask = client.get(CATALOG)
    with flask_requests(app) as started, query_counter as counter:
        by_front = client.get(CATALOG)
    assert started == []  # Flask never ran
    assert counter.count == 1, counter.statements  # the user, memberships and page generation together
    page = by_front.get_data(as_text=True)
    assert "Secret Lantern" in page and "Log out" in page and "\x00" not in page
    assert page.replace(_token(page), "") == by_flask.get_data(as_text=True).replace(
        _token(by_flask.get_data(as_text=True)), ""
    )
    assert by_front.headers["Cache-Control"] == by_flask.headers["Cache-Control"]  # private, no-store
    assert by_front.headers["Content-Security-Policy"] == by_flask.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in by_front.headers
    assert int(by_front.headers["Content-Length"]) == len(by_front.get_data())
    # Its token posts like one Flask put in: logging out works.
    assert client.post("/logout", data={"csrf_token": _token(page)}).status_code == 302
    assert "Secret Lantern" not in client.get(CATALOG).get_data(as_text=True)


def test_another_member_never_gets_the_page_kept_for_someone_else(app, client, auth, factories):
    first = factories.member()
    factories.IntegrationFactory.published(
        workspace=first.workspace, name="Secret Lantern", visibility="private"
    )
    twin = factories.member(workspace=first.workspace, user=factories.UserFactory(display_name="Twin Person"))
    outsider = factories.UserFactory()
    _signed_in(client, auth, first.user)
    client.get(CATALOG)
    assert len(page_cache.page_cache(page_cache.MEMBER_FRONT_EXTENSION_KEY).pages) == 1

    for person, sees in ((twin.user, True), (outsider, False)):
        other = app.test_client()
        _signed_in(other, auth.__class__(other), person, first_page="/")
        page = other.get(CATALOG).get_data(as_text=True)  # their first catalog page: a kept one is there
        assert ("Secret Lantern" in page) is sees
        assert person.label in page and first.user.label not in page


def test_a_cookie_from_before_a_sign_out_everywhere_or_a_deactivation_gets_no_members_page(
    app, client, auth, factories
):
    membership = _member_with_a_private_listing(factories)
    _signed_in(client, auth, membership.user)
    client.get(CATALOG)  # kept by the front
    old_cookie = client.get_cookie("session").value
    user = membership.user
    user.session_generation += 1  # what logging out everywhere or a password change writes
    db.session.flush()
    page = client.get(CATALOG).get_data(as_text=True)
    assert "Secret Lantern" not in page and "Log out" not in page
    # Signed in again elsewhere, under the new generation: their page is kept again; the old cookie,
    # replayed, still gets none of it.
    again = app.test_client()
    _signed_in(again, auth.__class__(again), user)
    assert "Secret Lantern" in again.get(CATALOG).get_data(as_text=True)
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    page = replay.get(CATALOG).get_data(as_text=True)
    assert "Secret Lantern" not in page and "Log out" not in page

    _signed_in(client, auth, user)
    client.get(CATALOG)
    user.is_active_account = False
    db.session.flush()
    assert "Secret Lantern" not in client.get(CATALOG).get_data(as_text=True)


def test_a_session_replayed_from_another_browser_or_tampered_with_gets_no_members_page(
    app, client, auth, factories
):
    membership = _member_with_a_private_listing(factories)
    _signed_in(client, auth, membership.user)
    client.get(CATALOG)
    cookie = client.get_cookie("session").value

    elsewhere = app.test_client()  # the same cookie from another User-Agent: session protection
    elsewhere.set_cookie("session", cookie)
    page = elsewhere.get(CATALOG, headers={"User-Agent": "another-browser"}).get_data(as_text=True)
    assert "Secret Lantern" not in page and "Log out" not in page

    forged = app.test_client()
    forged.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    page = forged.get(CATALOG).get_data(as_text=True)
    assert "Secret Lantern" not in page and "Log out" not in page


def test_a_removed_membership_or_a_waiting_message_is_seen_on_the_next_request(app, client, auth, factories):
    membership = _member_with_a_private_listing(factories)
    _signed_in(client, auth, membership.user)
    assert "Secret Lantern" in client.get(CATALOG).get_data(as_text=True)
    db.session.delete(db.session.get(Membership, membership.id))
    db.session.flush()
    assert "Secret Lantern" not in client.get(CATALOG).get_data(as_text=True)

    factories.member(user=membership.user, workspace=membership.workspace)
    client.get(CATALOG)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message waiting for you")]
    with flask_requests(app) as started:
        page = client.get(CATALOG).get_data(as_text=True)
    assert started and "A message waiting for you" in page and "Secret Lantern" in page


@pytest.mark.parametrize(
    "headers, address",
    [
        ({"User-Agent": "a browser"}, "203.0.113.7"),
        ({}, "203.0.113.7"),
        ({"User-Agent": "b", "X-Forwarded-For": "198.51.100.1, 10.0.0.1"}, "10.0.0.2"),
        ({"User-Agent": "ü-agent"}, None),
    ],
)
def test_the_front_computes_flask_logins_session_identifier(app, headers, address):
    environ = {"REMOTE_ADDR": address} if address else {}
    with app.test_request_context("/", headers=headers, environ_base=environ) as context:
        assert member_front.login_identifier(context.request.headers, context.request.remote_addr) == (
            _create_identifier()
        )
