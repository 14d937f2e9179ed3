"""Publisher handles: reserved names (built in and staff-managed, unless granted), look-alikes of held
handles, and the per-workspace cap, through the dashboard form and the write API; the staff page."""

import pytest

from app.extensions import db
from app.models import AuditEvent, HandleGrant, PublisherNamespace, ReservedHandle, Workspace
from app.services import tokens

from .publishing_helpers import make_publisher


def counts() -> dict:
    db.session.commit()  # keep the test's own setup when a refused request rolls back
    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (PublisherNamespace, AuditEvent, ReservedHandle, HandleGrant)
    }


@pytest.fixture
def publisher(factories, auth):
    p = make_publisher(factories)
    token, raw = tokens.create_token(p.user, p.workspace.id, "CI", 30)
    p.headers = {"Authorization": f"Bearer {raw}"}
    db.session.commit()
    auth.login(p.user)
    return p


def via_form(client, p, handle):
    data = {
        "workspace": p.workspace.id,
        "name": "Sync",
        "slug": "sync",
        "publisher": handle,
        "description": "",
        "icon_url": "",
        "visibility": "public",
        "retention_tier": "",
    }
    return client.post_form("/dashboard/integrations/new", data)


def via_api(client, p, handle):
    return client.post(
        "/api/v1/integrations", json={"name": "Sync", "slug": "sync", "publisher": handle}, headers=p.headers
    )


def field_error(response) -> str:
    """The errors listed beside the publisher field of the dashboard form."""
    text = response.text
    start = text.index('id="publisher-errors"')
    return text[start : text.index("</ul>", start)]


def assert_refused(client, p, handle, message, code):
    """Both doors refuse `handle` with `message` beside the publisher field, and write nothing. The
    API's answer is a 409: a well-formed handle the registry's current state does not let this
    workspace claim (not a schema violation), the reason in details[0].code."""
    before = counts()
    page = via_form(client, p, handle)
    assert page.status_code == 422
    assert message in field_error(page).replace("&#34;", '"')
    body = via_api(client, p, handle)
    assert body.status_code == 409
    error = body.get_json()["error"]
    assert error["code"] == "conflict" and message in error["message"]
    assert error["details"] == [
        {"field": "publisher", "path": "$.publisher", "message": error["message"], "code": code}
    ]
    assert counts() == before


def assert_claims(client, p, handle, *, slug="sync"):
    response = via_form(client, p, handle)
    assert response.status_code == 302, response.text
    assert db.session.get(PublisherNamespace, handle).workspace_id == p.workspace.id


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("google", "“google” is a reserved name."),
        ("official", "“official” is a reserved name."),
        ("g00gle", "“g00gle” is too close to a reserved name (“google”)."),
        ("rnicrosoft", "“rnicrosoft” is too close to a reserved name (“microsoft”)."),
        ("micro-soft", "“micro-soft” is too close to a reserved name (“microsoft”)."),
        ("verif1ed", "“verif1ed” is too close to a reserved name (“verified”)."),
        ("GitHub", "“github” is a reserved name."),
    ],
)
def test_built_in_reserved_handles_and_look_alikes_are_refused(client, publisher, handle, message):
    assert_refused(client, publisher, handle, message, "reserved")


def test_a_staff_reserved_handle_is_refused_and_a_grant_lets_one_workspace_claim_it(
    client, auth, factories, publisher
):
    staff = factories.UserFactory(is_staff=True)
    other = make_publisher(factories)
    db.session.commit()
    auth.login(staff)
    assert (
        client.post_form(
            "/admin/namespaces/reserved", {"reserve-handle": "umbrella", "reserve-reason": "Trademark claim"}
        ).status_code
        == 302
    )
    auth.login(publisher.user)
    assert_refused(client, publisher, "umbrella", "“umbrella” is a reserved name.", "reserved")
    assert_refused(client, publisher, "umbre11a", "too close to a reserved name (“umbrella”)", "reserved")

    auth.login(staff)
    response = client.post_form(
        "/admin/namespaces/grants",
        {"grant-workspace": publisher.workspace.slug, "grant-handle": "umbrella", "grant-reason": "Verified"},
    )
    assert response.status_code == 302
    auth.login(other.user)
    assert via_form(client, other, "umbrella").status_code == 422  # granted to someone else
    auth.login(publisher.user)
    assert_claims(client, publisher, "umbrella")


def test_a_grant_of_a_built_in_brand_lets_that_workspace_publish_under_it(client, auth, factories, publisher):
    staff = factories.UserFactory(is_staff=True)
    db.session.commit()
    auth.login(staff)
    client.post_form(
        "/admin/namespaces/grants",
        {
            "grant-workspace": publisher.workspace.slug,
            "grant-handle": "google",
            "grant-reason": "It is Google",
        },
    )
    auth.login(publisher.user)
    response = via_api(client, publisher, "google")
    assert response.status_code == 201 and response.get_json()["publisher"] == "google"
    # The grant is for "google" itself, not its look-alikes.
    assert_refused(client, publisher, "g00gle", "too close to a reserved name (“google”)", "reserved")


@pytest.mark.parametrize(
    ("held", "handle"),
    [
        ("acmecorp", "acme-corp"),  # separators
        ("stripey", "s-tri-pey"),
        ("lollipop", "l0ll1p0p"),  # digits for letters
        ("lollipop", "iollipop"),  # i / l
        ("modern", "rnodern"),  # rn / m
        ("hello-world", "he11oworld"),
    ],
)
def test_a_look_alike_of_a_held_handle_is_refused(client, factories, publisher, held, handle):
    factories.NamespaceFactory(handle=held)
    assert_refused(
        client,
        publisher,
        handle,
        f"“{handle}” looks like “{held}”, which belongs to another publisher.",
        "look_alike",
    )


def test_a_look_alike_of_the_workspaces_own_handle_is_refused_too(client, publisher):
    assert_refused(
        client,
        publisher,
        publisher.handle.replace("-", ""),
        f"looks like “{publisher.handle}”, which this workspace already holds",
        "look_alike",
    )


def test_case_is_ignored_and_another_workspaces_handle_stays_its_own(client, factories, publisher):
    factories.NamespaceFactory(handle="acmecorp")
    db.session.commit()
    response = via_form(client, publisher, "AcmeCorp")
    assert response.status_code == 422
    assert "“acmecorp” belongs to another workspace" in field_error(response)
    response = via_api(client, publisher, "ACMECORP")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert response.get_json()["error"]["details"][0] == {
        "field": "publisher",
        "path": "$.publisher",
        "message": "The publisher handle “acmecorp” belongs to another workspace. Choose another.",
        "code": "taken",
    }


def test_unicode_look_alikes_never_get_past_the_handle_pattern(client, publisher):
    for handle in ("аpple", "stripe\u200b", "ｓtripe"):  # Cyrillic а, a zero-width space, fullwidth s
        response = via_api(client, publisher, handle)
        assert response.status_code == 422
        (problem,) = response.get_json()["error"]["details"]
        assert (
            problem["field"] == "publisher" and "lowercase letters, digits and hyphens" in problem["message"]
        )


def test_a_workspace_holds_three_handles_until_staff_raise_its_limit(client, auth, factories, publisher):
    assert_claims(client, publisher, "second-one")
    assert via_api(client, publisher, "third-one").status_code == 201
    assert_refused(
        client,
        publisher,
        "fourth-one",
        "This workspace already holds 3 publisher handles, the most allowed; "
        "ask the marketplace team to raise the limit.",
        "handle_limit",
    )
    # A handle it already holds is no new claim.
    assert via_api(client, publisher, "second-one").status_code == 409  # slug "sync" taken, not the cap

    staff = factories.UserFactory(is_staff=True)
    db.session.commit()
    auth.login(staff)
    response = client.post_form(
        "/admin/namespaces/limits",
        {"limit-workspace": publisher.workspace.slug, "limit-limit": "4", "limit-reason": "Four products"},
    )
    assert response.status_code == 302
    assert db.session.get(Workspace, publisher.workspace.id).handle_limit == 4
    auth.login(publisher.user)
    assert via_api(client, publisher, "fourth-one").status_code == 201
    assert via_api(client, publisher, "fifth-one").status_code == 409


# --- the staff page -------------------------------------------------------------------------------


@pytest.fixture
def staff(factories, auth):
    user = factories.UserFactory(is_staff=True)
    db.session.commit()
    auth.login(user)
    return user


ADMIN_POSTS = [
    "/admin/namespaces/reserved",
    "/admin/namespaces/reserved/umbrella/remove",
    "/admin/namespaces/grants",
    "/admin/namespaces/grants/some-id/revoke",
    "/admin/namespaces/limits",
]


@pytest.mark.parametrize("who", ["anonymous", "publisher"])
def test_the_staff_page_is_404_for_everyone_else(client, auth, factories, who):
    if who == "publisher":
        auth.login(make_publisher(factories).user)
    before = counts()
    assert client.get("/admin/namespaces").status_code == 404
    for url in ADMIN_POSTS:
        assert client.post_form(url, {"reserve-handle": "x", "reserve-reason": "y"}).status_code == 404
    assert counts() == before


def test_staff_changes_each_write_one_audit_event(client, staff, factories):
    ws = factories.WorkspaceFactory(slug="widgets")
    db.session.commit()
    page = client.get("/admin/namespaces")
    assert page.status_code == 200 and "google" in page.text

    steps = [
        (
            "/admin/namespaces/reserved",
            {"reserve-handle": "acme", "reserve-reason": "Dispute"},
            "namespace.reserved",
        ),
        (
            "/admin/namespaces/grants",
            {"grant-workspace": "widgets", "grant-handle": "acme", "grant-reason": "Won"},
            "namespace.granted",
        ),
        (
            "/admin/namespaces/limits",
            {"limit-workspace": "widgets", "limit-limit": "7", "limit-reason": "Big"},
            "workspace.handle_limit_set",
        ),
    ]
    for url, data, action in steps:
        before = counts()["AuditEvent"]
        assert client.post_form(url, data).status_code == 302
        event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.created_at.desc()).limit(1))
        assert counts()["AuditEvent"] == before + 1 and event.action == action and event.actor_id == staff.id
    page = client.get("/admin/namespaces").text
    assert "Dispute" in page and "Won" in page and "holds 0 of 7" in page

    grant = db.session.scalar(db.select(HandleGrant).where(HandleGrant.workspace_id == ws.id))
    for url, action in [
        (f"/admin/namespaces/grants/{grant.id}/revoke", "namespace.grant_revoked"),
        ("/admin/namespaces/reserved/acme/remove", "namespace.unreserved"),
    ]:
        before = counts()["AuditEvent"]
        assert client.post_form(url).status_code == 302
        assert counts()["AuditEvent"] == before + 1
        assert (
            db.session.scalar(db.select(AuditEvent.action).order_by(AuditEvent.created_at.desc()).limit(1))
            == action
        )
    assert counts()["ReservedHandle"] == 0 and counts()["HandleGrant"] == 0


@pytest.mark.parametrize(
    ("url", "data", "field", "message"),
    [
        (
            "/admin/namespaces/reserved",
            {"reserve-handle": "Not OK!", "reserve-reason": "x"},
            "reserve-handle",
            "lowercase letters",
        ),
        (
            "/admin/namespaces/reserved",
            {"reserve-handle": "google", "reserve-reason": "x"},
            "reserve-handle",
            "already reserved (built in)",
        ),
        (
            "/admin/namespaces/reserved",
            {"reserve-handle": "fine", "reserve-reason": ""},
            "reserve-reason",
            "Give a reason.",
        ),
        (
            "/admin/namespaces/grants",
            {"grant-workspace": "nope", "grant-handle": "google", "grant-reason": "x"},
            "grant-workspace",
            "No workspace has that slug.",
        ),
        (
            "/admin/namespaces/grants",
            {"grant-workspace": "widgets", "grant-handle": "plain", "grant-reason": "x"},
            "grant-handle",
            "is not reserved",
        ),
        (
            "/admin/namespaces/limits",
            {"limit-workspace": "widgets", "limit-limit": "0", "limit-reason": "x"},
            "limit-limit",
            "from 1 to",
        ),
        (
            "/admin/namespaces/limits",
            {"limit-workspace": "widgets", "limit-limit": "3", "limit-reason": "x"},
            "limit-limit",
            "already 3",
        ),
    ],
)
def test_staff_form_errors_sit_beside_their_field_and_change_nothing(
    client, staff, factories, url, data, field, message
):
    factories.WorkspaceFactory(slug="widgets")
    before = counts()
    response = client.post_form(url, data)
    assert response.status_code == 422
    start = response.text.index(f'id="{field}-errors"')
    assert message in response.text[start : response.text.index("</ul>", start)]
    assert f'value="{data[field]}"' in response.text or not data[field]  # what was typed stays
    assert counts() == before


def test_removing_an_unknown_reservation_is_404(client, staff):
    assert client.post_form("/admin/namespaces/reserved/nothing-here/remove").status_code == 404
