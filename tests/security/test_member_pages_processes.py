"""Two gunicorn processes on one database, a member signed in to each and their catalog page kept
whole in each (app/web/page_cache.py `_member_page`). A read-only request loads the member outside
the session's transaction, from one statement read afresh every request (app/services/viewer.py):
a removed membership, a renamed account and a signed-out session, each committed by a third
process, show on the very next request to either one."""

from __future__ import annotations

import re

import pytest
import requests

from app.extensions import db
from app.models import Membership, User
from app.services import accounts, workspaces
from tests import factories as f
from tests.databases import migrated_app
from tests.install_support import publish
from tests.processes import committer, two_servers

pytestmark = pytest.mark.concurrency

CATALOG = "/integrations"
AGENT = {"User-Agent": "member-pages-test"}  # the session is bound to it


def _signed_in(base: str, email: str) -> requests.Session:
    """A member's browser on `base`: logged in through the form, the welcome message seen."""
    http = requests.Session()
    http.trust_env = False
    http.headers.update(AGENT)
    form = http.get(base + "/login", timeout=20).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = http.post(
        base + "/login", data={"email": email, "password": f.PASSWORD, "csrf_token": token}, timeout=20
    )
    assert answer.status_code == 200 and "Log out" in answer.text
    return http


def _page(http: requests.Session, base: str) -> str:
    answer = http.get(base + CATALOG, timeout=20)
    assert answer.status_code == 200
    return answer.text


def test_member_changes_show_on_the_next_request_in_every_process():
    with migrated_app() as seeder:
        act = committer(seeder)
        ids = {}

        def build():
            owner = f.member(role="owner")
            member = f.member(workspace=owner.workspace, user=f.UserFactory(display_name="Mira Member"))
            publish(
                workspace=owner.workspace, name="Harbour Relay", slug="harbour-relay", visibility="private"
            )
            publish(name="Harbour Lights", slug="harbour-lights")
            ids.update(
                owner=owner.user_id, member=member.user_id, membership=member.id, ws=owner.workspace_id
            )
            ids["email"] = member.user.email

        act(build)

        def user(key: str) -> User:
            return db.session.get(User, ids[key])

        with two_servers(seeder) as urls:
            browsers = {base: _signed_in(base, ids["email"]) for base in urls}
            for base, http in browsers.items():
                for _ in range(2):  # the second answer is the page kept for this member
                    page = _page(http, base)
                    assert "Harbour Relay" in page and "Mira Member" in page and "Log out" in page
                    anonymous = requests.get(base + CATALOG, timeout=20).text
                    assert "Harbour Relay" not in anonymous and "Mira Member" not in anonymous

            def rename():
                user("member").display_name = "Mira Renamed"

            act(rename)
            for base, http in browsers.items():
                page = _page(http, base)
                assert "Mira Renamed" in page and "Mira Member" not in page and "Harbour Relay" in page

            def remove():
                owner = user("owner")
                workspace = db.session.get(Membership, ids["membership"]).workspace
                owner_membership = workspaces.membership_of(owner, ids["ws"])
                workspaces.remove_member(owner, workspace, owner_membership, ids["membership"])

            act(remove)
            for base, http in browsers.items():
                page = _page(http, base)
                assert "Log out" in page and "Harbour Relay" not in page and "Harbour Lights" in page

            act(lambda: accounts.end_all_sessions(user("member")))
            for base, http in browsers.items():
                page = _page(http, base)
                assert "Log out" not in page and "Mira Renamed" not in page
                dashboard = http.get(base + "/dashboard", allow_redirects=False, timeout=20)
                assert dashboard.status_code == 302 and "/login" in dashboard.headers["Location"]
