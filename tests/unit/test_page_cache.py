"""The page cache's bookkeeping: bounded in bytes (least recently used go first), emptied whenever
another listing generation is seen (a value is only answered at the generation it was computed at);
a value kept before an install is answered again only when its fingerprint reads the same."""

from __future__ import annotations

from app.web.page_cache import PageCache, valid_kept


def test_the_least_recently_used_go_first_when_the_bytes_run_out():
    cache = PageCache(max_bytes=100)
    assert cache.get((7, 0), "a") is None  # first sight of generation 7
    for key in "abcd":
        cache.put((7, 0), key, key.upper(), 25)
    assert cache.get((7, 0), "a") == "A" and cache.size == 100  # "b" is now the least recently used
    cache.put((7, 0), "e", "E", 25)
    assert cache.get((7, 0), "b") is None and cache.get((7, 0), "a") == "A" and cache.get((7, 0), "e") == "E"
    assert cache.size == 100
    cache.put((7, 0), "huge", "H", 26)  # over a quarter of the budget: never kept
    assert cache.get((7, 0), "huge") is None


def test_another_generation_empties_it_and_a_value_is_only_answered_at_its_own():
    cache = PageCache(max_bytes=100)
    cache.get((1, 0), "a")
    cache.put((1, 0), "a", "A", 10)
    assert cache.get((2, 0), "a") is None and cache.size == 0
    cache.put((2, 0), "b", "B", 10)
    cache.put((1, 0), "a", "stale", 10)  # rendered at the generation before
    assert cache.get((2, 0), "a") is None and cache.get((2, 0), "b") is None  # never answered at 2
    assert cache.get((1, 5), "a") is None  # nor at other counts


def test_after_an_install_a_page_is_answered_again_only_if_its_fingerprint_reads_the_same():
    cache = PageCache(max_bytes=100)
    reads = iter([(1, 6, ("same",)), (1, 7, ("moved",)), (2, 8, ("same",))])
    cache.kept((1, 5), "a")
    cache.put((1, 5), "a", "A", 10, ("same",), lambda: next(reads))
    cache.put((1, 5), "b", "B", 10)  # no fingerprint: never revalidated
    assert cache.get((1, 6), "a") is None  # get is exact
    assert valid_kept(cache, (1, 6), "a").value == "A"  # reads the same at counts 6: restamped
    assert cache.get((1, 6), "a") == "A"
    assert valid_kept(cache, (1, 7), "a") is None  # the install shows on this page
    assert valid_kept(cache, (1, 7), "b") is None
    assert valid_kept(cache, (1, 8), "a") is None  # read at another listing generation
