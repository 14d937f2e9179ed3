"""The browser's page tour (tests/browser/test_every_page_browser.py) audits every page template:
each template that renders a whole page is named in the tour, where each visit and each audited step
declares the template it must render (and the tour checks the server rendered it), or is listed
below with the reason it is not. Read from the files alone: no test has to have run first."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TOUR = ROOT / "tests" / "browser" / "test_every_page_browser.py"
EXTENDS = re.compile(r"\{%-?\s*extends\s")

# Templates that extend the layout but are no page of their own, and why.
NOT_PAGES = {
    "install/_wizard.html": "the layout of the wizard's steps: each step extends it, none renders it alone",
}


def _page_templates() -> set[str]:
    """Every template that extends another (base.html, or the wizard's layout): partials, includes,
    macros and mail extend nothing."""
    return {
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*.html")
        if EXTENDS.search(path.read_text())
    }


def _named_in_the_tour() -> set[str]:
    """The templates the tour's code names: the string constants that end in .html (each visit's
    template, each audited step's, the wizard's steps)."""
    tree = ast.parse(TOUR.read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".html")
    }


def test_the_page_tour_audits_every_page_template():
    pages, named = _page_templates(), _named_in_the_tour()
    assert sorted(pages - named - NOT_PAGES.keys()) == [], "pages the tour never audits"
    assert sorted(named - pages) == [], "the tour names templates that are no page"
    assert sorted(NOT_PAGES.keys() - pages) == [], "exclusions of templates that are gone"
    assert sorted(NOT_PAGES.keys() & named) == [], "excluded, yet the tour names it"


def test_the_list_of_pages_is_read_from_the_templates():
    """The scan finds the pages it should: the home page, the error pages, a wizard step, not a partial."""
    pages = _page_templates()
    assert {"catalog/home.html", "errors/500.html", "errors/503.html", "install/auth.html"} <= pages
    assert not {"base.html", "catalog/home_content.html", "includes/trust_badge.html"} & pages
    assert len(pages) > 60
