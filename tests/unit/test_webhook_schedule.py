"""The webhook retry schedule, as pure functions: the real default (eight attempts over about a
day), the WEBHOOK_RETRY_SCHEDULE override, and the attempt after the last one (given up)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain import webhooks as rules


def test_the_default_schedule_is_eight_attempts_over_about_a_day():
    delays = [rules.delay_before(n) for n in range(1, 9)]
    assert delays == [
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=6),
    ]
    assert rules.delay_before(9) is None and rules.delay_before(0) is None
    assert timedelta(hours=22) <= rules.total_span() <= timedelta(hours=26)
    assert all(later >= earlier for earlier, later in zip(delays[:5], delays[1:6], strict=True))  # backs off


@pytest.mark.parametrize(("text", "expected"), [("", rules.DEFAULT_SCHEDULE), (None, rules.DEFAULT_SCHEDULE)])
def test_an_empty_setting_means_the_default(text, expected):
    assert rules.parse_schedule(text) == expected


def test_the_setting_overrides_the_schedule_in_seconds():
    schedule = rules.parse_schedule("0, 1,2 ,3")
    assert schedule == (0, 1, 2, 3)
    assert rules.delay_before(4, schedule) == timedelta(seconds=3) and rules.delay_before(5, schedule) is None


@pytest.mark.parametrize("text", ["1,-5", "soon", ",,"])
def test_a_bad_setting_is_refused(text):
    with pytest.raises(ValueError):
        rules.parse_schedule(text)


def test_success_is_any_2xx_and_errors_come_from_the_fixed_vocabulary():
    assert [rules.is_success(s) for s in (199, 200, 204, 299, 300, 500, None)] == [
        False,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert rules.error_message("http_status", 503) == "The endpoint answered 503"
    assert rules.error_message("timeout") == rules.ERRORS["timeout"]
    assert rules.error_message("anything the remote said") == ""
