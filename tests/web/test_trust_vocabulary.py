"""One trust vocabulary: tier words describe the listing (never the publisher), one badge with
one label per tier on the home, catalog, detail, dashboard and staff pages, built by one component
(no template builds a trust badge by hand), and statuses shown as pills apart from trust badges.
Also: ids are unique on the staff page and the footer's pages exist."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from app.domain import trust
from app.models.integration import TRUST_TIERS
from tests.install_support import admin, publish

from .publishing_helpers import make_publisher

BADGE = re.compile(
    r'<span class="badge badge-(\w+) trust-badge[^"]*"[^>]*>(?:<span aria-hidden="true">⚠ </span>)?([^<]+)'
)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
BADGE_COMPONENT = TEMPLATES / "includes" / "trust_badge.html"
# Markup of a trust badge: its class, a badge class named for a tier, or one built from a variable.
HAND_BUILT_BADGE = re.compile(
    r"trust-badge|badge-(?:" + "|".join(trust.TIERS) + r")\b|badge-(?:\{|['\"]\s*~)"
)


def test_every_tier_has_words_about_the_listing():
    assert set(trust.TIERS) == set(TRUST_TIERS)
    for tier in trust.TIERS.values():
        assert "listing" in tier.meaning, tier.key
        assert "anyone can publish" not in tier.meaning.lower()
    assert [t.key for t in trust.TIERS.values() if t.caution] == ["community"]
    assert trust.tier_info("no-such-tier") is trust.TIERS["community"]


def _badges(html: str) -> set[tuple[str, str]]:
    return {(key, label.strip()) for key, label in BADGE.findall(html)}


def test_a_verified_publishers_community_listing_is_not_called_an_unverified_publisher(
    client, auth, factories
):
    p = make_publisher(factories)
    factories.IntegrationFactory.published(
        workspace=p.workspace, publisher=p.handle, name="Old One", trust_tier="verified_publisher"
    )
    new = factories.IntegrationFactory.published(
        workspace=p.workspace, publisher=p.handle, name="New One", trust_tier="community"
    )
    detail = client.get(f"/integrations/{new.publisher}/{new.slug}").text
    assert "not reviewed by marketplace staff" in detail
    assert "Not verified" not in detail and "anyone can publish" not in detail
    assert ("community", "Community") in _badges(detail)


def test_one_badge_and_one_label_on_every_surface(client, auth, factories):
    p = make_publisher(factories)
    integration = factories.IntegrationFactory.published(
        workspace=p.workspace, publisher=p.handle, name="Badge Check", trust_tier="verified_publisher"
    )
    expected = ("verified_publisher", "Verified publisher")
    pages = {
        "catalog": client.get("/integrations?q=Badge").text,
        "detail": client.get(f"/integrations/{integration.publisher}/{integration.slug}").text,
    }
    auth.login(p.user)
    pages["dashboard"] = client.get("/dashboard").text
    pages["editor"] = client.get(f"/dashboard/integrations/{integration.id}").text
    auth.logout()
    auth.login(factories.UserFactory(is_staff=True))
    pages["admin"] = client.get("/admin?q=Badge").text
    for name, html in pages.items():
        assert expected in _badges(html), name
        assert "verified publisher</span>" not in html, name  # no lower-cased variant left


def test_only_the_component_builds_a_trust_badge():
    """Every template shows a tier through includes/trust_badge.html, so its words and its look are
    the same everywhere: no other template writes a trust badge's classes."""
    assert HAND_BUILT_BADGE.search(BADGE_COMPONENT.read_text())  # the scan knows the markup it looks for
    by_hand = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file() and path != BADGE_COMPONENT
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HAND_BUILT_BADGE.search(line)
    ]
    assert by_hand == []


def test_the_home_pages_tier_links_are_trust_badges(client, factories):
    factories.IntegrationFactory.published(trust_tier="community")
    html = client.get("/").text
    links = re.search(r'<nav class="tier-facets"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert _badges(links) == {(t.key, t.label) for t in trust.TIERS.values()}
    assert '<a href="/integrations?tier=community"><span class="badge badge-community trust-badge' in links
    assert re.search(r"Community <span class=\"facet-count\">\(1\)</span></span></a>", links)


def test_statuses_are_pills_not_trust_badges(client, auth, factories):
    p = make_publisher(factories, role="owner")
    integration = factories.IntegrationFactory.published(workspace=p.workspace, trust_tier="first_party")
    factories.InstallationFactory(workspace=p.workspace, integration=integration)
    auth.login(p.user)
    html = client.get(f"/workspaces/{p.workspace.slug}/installations").text
    assert re.search(r'<span class="pill pill-success[^"]*">Active</span>', html)
    assert "badge-vendor_official" not in html


def test_installed_is_a_status_pill_not_a_trust_badge(client, auth, factories):
    """The word Installed on a card and on the listing's page is a state: a pill. As a rounded green badge it
    read as the Vendor official trust badge (the same shape and colours)."""
    integration = publish(name="Pill Check", trust_tier="first_party")
    person, workspace = admin()
    factories.InstallationFactory(workspace=workspace, integration=integration, installed_by=person.id)
    auth.login(person)
    for url in ("/integrations?q=Pill", f"/integrations/{integration.publisher}/{integration.slug}"):
        html = client.get(url).text
        assert re.search(r'<span class="pill pill-success[^"]*">Installed</span> in ', html), url
        assert "badge-success" not in html, url


@pytest.fixture
def staff_page(client, auth, factories):
    integration = factories.IntegrationFactory.published()
    auth.login(factories.UserFactory(is_staff=True))
    return client.get(f"/admin/integrations/{integration.id}").text


def test_staff_integration_page_ids_are_unique_and_every_note_is_named(staff_page):
    ids = Counter(re.findall(r'\sid="([^"]+)"', staff_page))
    assert [i for i, n in ids.items() if n > 1] == []
    for textarea_id in re.findall(r'<textarea[^>]*\sid="([^"]+)"', staff_page):
        assert f'for="{textarea_id}"' in staff_page, textarea_id
    assert re.search(r'<label[^>]*for="note"[^>]*>Note to the publisher</label>', staff_page)


@pytest.mark.parametrize(
    ("path", "heading"), [("/about", "About"), ("/terms", "Terms"), ("/privacy", "Privacy")]
)
def test_footer_pages(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    assert re.search(rf"<h1>{heading}[^<]*</h1>", html)
    footer = html.split('<footer class="site-footer">')[1]
    for link in ('href="/about"', 'href="/terms"', 'href="/privacy"'):
        assert link in footer


# What the privacy page says each mail is for: a new kind of mail is said there too.
MAIL_ON_THE_PRIVACY_PAGE = {
    "verify_email.txt": "to confirm your address",
    "reset_password.txt": "to reset your password",
    "reset_unknown.txt": "no account uses the address a reset was asked for",
    "signup_taken.txt": "someone tried to sign up with your address",
    "invitation.txt": "for invitations to a workspace",
    "install_request_created.txt": "to a workspace's admins when a member asks for an integration",
    "install_request_outcome.txt": "to the member with their answer",
}


def test_the_privacy_page_names_every_mail_the_site_sends(client):
    mails = {path.name for path in (Path(__file__).resolve().parents[2] / "templates" / "mail").glob("*")}
    assert mails == set(MAIL_ON_THE_PRIVACY_PAGE)
    page = re.sub(r"\s+", " ", unescape(client.get("/privacy").text))
    for mail, words in MAIL_ON_THE_PRIVACY_PAGE.items():
        assert words in page, mail
    assert "webhooks" in page and "never your email address" in page
