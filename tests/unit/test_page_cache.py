"""The page cache's bookkeeping: bounded in bytes (least recently used go first), and emptied the
first time a newer catalog generation is seen; a value computed at an older one is never stored."""

from __future__ import annotations

from app.web.page_cache import PageCache


def test_the_least_recently_used_go_first_when_the_bytes_run_out():
    cache = PageCache(max_bytes=100)
    assert cache.get(7, "a") is None  # first sight of generation 7
    for key in "abcd":
        cache.put(7, key, key.upper(), 25)
    assert cache.get(7, "a") == "A" and cache.size == 100  # "b" is now the least recently used
    cache.put(7, "e", "E", 25)
    assert cache.get(7, "b") is None and cache.get(7, "a") == "A" and cache.get(7, "e") == "E"
    assert cache.size == 100
    cache.put(7, "huge", "H", 26)  # over a quarter of the budget: never kept
    assert cache.get(7, "huge") is None


def test_a_new_generation_empties_it_and_an_old_one_is_not_stored():
    cache = PageCache(max_bytes=100)
    cache.get(1, "a")
    cache.put(1, "a", "A", 10)
    assert cache.get(2, "a") is None and cache.size == 0
    cache.put(1, "a", "stale", 10)  # rendered at the generation before: dropped
    assert cache.get(2, "a") is None
