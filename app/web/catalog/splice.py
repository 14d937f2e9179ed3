"""A kept anonymous search page after a write to a listing it shows: its changed cards put in place of
the old ones, when that is all that changed on it.

Decides: whether the page a search's rankings give now differs from the kept one in nothing but the
contents of some cards. The page is cut again from the rankings as they are after the write (no
statement: `catalog.ranked_page_outline`), and compared with the page as it was rendered: the same
listings in the same order, the same next page, the same tier and category counts. If so, only the
rows of the changed listings it shows can differ (one statement reads them; the caller splices only
at the install counts the page was kept at), and the template would render the very same bytes but
for their cards (an anonymous page shows a listing only in its card; a card is
a pure function of its row, cards.integration_card), so the kept page's bytes get each changed card's
new HTML in place of its old (page_cache.Respliced); anything else -- a listing moved, left or came, a
count changed -- renders the page afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import g

from ...domain.visibility import ANONYMOUS, is_listed_to
from ...services import catalog
from ..page_cache import Respliced
from .cards import CardLinks, card_of, integration_card

RENDERED = "catalog_page_rendered"  # g: (query, page number, CatalogPage, card links) just rendered


def note_rendered(query, page_number: int, page, links: dict) -> None:
    """What an anonymous catalog page was just rendered from (read back by `card_splice`)."""
    setattr(g, RENDERED, (query, page_number, page, links))


def card_splice(key: tuple, listing: int):
    """The page cache's revalidate for the anonymous catalog page of `key` (query, page number) just
    rendered at listing generation `listing`: catalog.search_page_check's, which may answer a
    Respliced instead of False (module docstring). None where the page is not kept over writes."""
    check = catalog.search_page_check(key[0], listing)
    rendered = g.pop(RENDERED, None)
    if check is None or rendered is None or rendered[:2] != key:
        return check
    return _Splice(key, rendered[2], rendered[3], check)


@dataclass(frozen=True)
class _Splice:
    key: tuple
    page: object  # the CatalogPage rendered
    links: CardLinks  # as the page built them
    unchanged: object  # catalog.search_page_check's check (a ranking.PageCheck)

    @property
    def rider(self):
        """What the change log's read brings for revalidating the page (catalog.riding)."""
        return catalog.rider_for(self.key[0])

    def __call__(self, changed: frozenset, listing: int):
        if self.unchanged(changed, listing):
            return True
        query, number = self.key
        # The page as the search's rankings now give it (patched or computed again by the check above);
        # when their patches changed scores alone, its counts are the page's: only its listings, their
        # order and the next page are compared.
        counted = not self.unchanged.counted_alike(listing)
        outline = catalog.ranked_page_outline(
            ANONYMOUS, query, page=number, generation=listing, counted=counted
        )
        if outline is None or not _same_outline(self.page, outline, counted):
            return False  # ranked at another generation since, or more than cards changed: render it
        # Only the changed listings' rows can differ from the page's (the caller splices only at the
        # install counts the page was kept at): those the ranking's patch re-read, or read now.
        stale = [row.id for row in self.page.items if row.id in changed]
        rows, read_at = _reread(query, stale) if stale else ([], listing)
        if read_at != listing:
            rows, read_at = catalog.card_rows(ANONYMOUS, stale)
        fresh = {row.id: row for row in rows}
        if read_at != listing or len(fresh) != len(stale):
            return False
        items = [fresh.get(row.id, row) for row in self.page.items]
        swaps = tuple(
            (self._card(old), self._card(new))
            for old, new in zip(self.page.items, items, strict=True)
            if old.id in fresh and card_of(old) != card_of(new)
        )
        check = catalog.search_page_check(query, listing)
        if check is None:
            return False
        now = replace(self.page, items=items)
        return Respliced(swaps, _Splice(self.key, now, self.links, check), catalog.page_fingerprint(now))

    def _card(self, row) -> bytes:
        return str(integration_card(row, self.links)).encode()


def _reread(query, ids: list[str]) -> tuple[list, int | None]:
    """The rows of `ids` a patch of the search's ranking re-read, listed to anyone, and the listing
    generation they were read at (None when it did not re-read them all)."""
    _, found = catalog.cached_ranking(query)
    reread = found.reread if found is not None else None
    if reread is None or any(each not in reread[1] for each in ids):
        return [], None
    rows = [reread[1][each] for each in ids]
    return [row for row in rows if is_listed_to(ANONYMOUS, row.visibility, row.workspace_id)], reread[0]


def _same_outline(page, outline, counted: bool = True) -> bool:
    """The page rendered and the outline of the page now (items: ranking matches) list the same
    listings in the same order, with the same next page and (`counted`) the same tier and category
    counts."""
    if [row.id for row in page.items] != [match.id for match in outline.items]:
        return False
    if not counted:
        return page.has_next == outline.has_next
    return replace(page, items=[]) == replace(outline, items=[])
