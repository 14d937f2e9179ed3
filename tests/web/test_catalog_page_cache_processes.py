"""Two gunicorn processes on one database, each with its pages cached: a visibility change, a
publish, a yank, an install and a takedown, committed by a third process, show on the very next
request to either one (the page cache is validated against the catalog generation the database keeps)."""

from __future__ import annotations

import pytest
import requests

from app.extensions import db
from app.models import Integration, User
from app.services import integrations, publishing, staff
from app.services.installs.confirming import count_install
from tests import factories as f
from tests.databases import migrated_app
from tests.install_support import admin, publish
from tests.processes import committer, two_servers

pytestmark = pytest.mark.concurrency

CATALOG = "/integrations"
SEARCH = "/integrations?q=harbour"


def _get(url: str) -> requests.Response:
    return requests.get(url, timeout=20)


def _warm(urls: list[str], paths: list[str]) -> None:
    """Every page twice on every process: the second answer comes from that process's cache."""
    for base in urls:
        for path in paths:
            first, second = _get(base + path), _get(base + path)
            assert first.status_code == 200 and second.headers["ETag"] == first.headers["ETag"]


def test_changes_show_on_the_next_request_in_every_process():
    with migrated_app() as seeder:
        act = committer(seeder)
        ids = {}

        def build():
            user, workspace = admin()
            ids["staff"] = f.UserFactory(is_staff=True).id
            ids["owner"] = user.id
            ids["shown"] = publish(workspace=workspace, name="Harbour Lights", slug="harbour-lights").id
            ids["hidden"] = publish(workspace=workspace, name="Harbour Relay", slug="harbour-relay").id

        act(build)

        def row(key: str) -> Integration:
            return db.session.get(Integration, ids[key])

        def user(key: str):
            return db.session.get(User, ids[key])

        with seeder.app_context():
            detail = {
                key: f"/integrations/{row(key).publisher}/{row(key).slug}" for key in ("shown", "hidden")
            }
        pages = ["/", CATALOG, SEARCH, detail["shown"], detail["hidden"]]
        with two_servers(seeder) as urls:
            _warm(urls, pages)
            assert all("Harbour Relay" in _get(base + SEARCH).text for base in urls)

            act(lambda: integrations.set_visibility(user("owner"), row("hidden"), "private"))
            for base in urls:
                assert "Harbour Relay" not in _get(base + SEARCH).text
                assert "Harbour Relay" not in _get(base + CATALOG).text
                assert _get(base + detail["hidden"]).status_code == 404

            _warm(urls, pages[:-1])
            act(lambda: publishing.publish_version(user("owner"), row("shown"), "1.1.0", "Brighter lights."))
            for base in urls:
                assert "Brighter lights." in _get(base + detail["shown"]).text
                assert "v1.1.0" in _get(base + CATALOG).text

            _warm(urls, pages[:-1])
            act(lambda: publishing.yank_version(user("owner"), row("shown"), "1.0.0", "Leaks the token."))
            for base in urls:
                assert "Leaks the token." in _get(base + detail["shown"]).text

            _warm(urls, pages[:-1])

            def five_installs():  # five outside accounts install it: moves the counts only (migration 0011)
                for _ in range(5):
                    installer, workspace = admin()
                    f.InstallationFactory(
                        workspace=workspace,
                        integration=row("shown"),
                        installed_by=installer.id,
                        version=row("shown").versions[0],
                    )
                count_install(row("shown"), +1)

            act(five_installs)
            for base in urls:
                assert "5 installs" in _get(base + SEARCH).text
                assert "5 installs" in _get(base + CATALOG).text
                assert "<dd>5</dd>" in _get(base + detail["shown"]).text

            _warm(urls, pages[:-1])
            act(lambda: staff.take_down(user("staff"), row("shown"), "Reported as malware."))
            for base in urls:
                assert "Harbour Lights" not in _get(base + CATALOG).text
                assert "Harbour Lights" not in _get(base + SEARCH).text
                assert "Harbour Lights" not in _get(base + "/").text
                gone = _get(base + detail["shown"])  # it was public: the takedown notice, 410
                assert gone.status_code == 410 and "Reported as malware." in gone.text
