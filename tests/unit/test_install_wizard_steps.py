"""The wizard's step rules (app/domain/wizard.py): pure, no Flask."""

from app.domain import wizard as w


def test_auth_step_applies_by_auth_type_and_purpose():
    assert w.applicable_steps("api_key") == w.STEPS
    assert w.applicable_steps("oauth2") == w.STEPS
    assert w.AUTH not in w.applicable_steps("none")
    assert w.applicable_steps("oauth2", w.UPGRADE) == tuple(s for s in w.STEPS if s != w.AUTH)
    assert w.applicable_steps("oauth2", w.UPGRADE, reauthorize=True) == w.STEPS
    assert w.applicable_steps("api_key", w.UPGRADE, reauthorize=True) == tuple(
        s for s in w.STEPS if s != w.AUTH
    )
    assert w.applicable_steps("oauth2", w.RECONNECT) == (w.AUTH,)


def test_steps_are_entered_in_order_and_back_is_allowed():
    steps = w.applicable_steps("api_key")
    assert w.may_enter(w.WORKSPACE, steps, [])
    assert not w.may_enter(w.DEPENDENCIES, steps, [])
    assert not w.may_enter(w.REVIEW, steps, [w.WORKSPACE, w.DEPENDENCIES, w.VARIABLES])  # auth missing
    done = [w.WORKSPACE, w.DEPENDENCIES, w.AUTH]
    assert w.may_enter(w.VARIABLES, steps, done)
    assert w.may_enter(w.WORKSPACE, steps, done)  # back
    assert w.first_open_step(steps, done) == w.VARIABLES
    assert w.first_open_step(steps, steps) == w.REVIEW
    assert not w.may_enter(w.AUTH, w.applicable_steps("none"), w.STEPS)  # a skipped step is never entered


def test_none_skips_auth_between_dependencies_and_variables():
    steps = w.applicable_steps("none")
    assert w.next_step(w.DEPENDENCIES, steps) == w.VARIABLES
    assert w.previous_step(w.VARIABLES, steps) == w.DEPENDENCIES
    assert w.may_enter(w.VARIABLES, steps, [w.WORKSPACE, w.DEPENDENCIES])


def test_mark_done_keeps_order_and_resets_later_steps_when_asked():
    steps = w.applicable_steps("api_key")
    done = w.mark_done(w.AUTH, steps, [w.WORKSPACE, w.DEPENDENCIES])
    assert done == [w.WORKSPACE, w.DEPENDENCIES, w.AUTH]
    assert w.mark_done(w.WORKSPACE, steps, done, reset_later=True) == [w.WORKSPACE]
    assert w.mark_done(w.WORKSPACE, steps, done) == done


def test_progress_shows_all_five_and_skipped_auth():
    states = w.progress(w.applicable_steps("none"), [w.WORKSPACE], w.DEPENDENCIES)
    assert [s.key for s in states] == list(w.STEPS)
    assert [s.status for s in states] == [w.DONE, w.CURRENT, w.SKIPPED, w.TODO, w.TODO]
    assert states[0].reachable and not states[3].reachable and not states[2].reachable


def test_find_cycle():
    assert w.find_cycle("a", {"a": ["b"], "b": ["c"], "c": []}) is None
    assert w.find_cycle("a", {"a": ["b"], "b": ["a"]}) == ["a", "b", "a"]
    assert w.find_cycle("a", {"a": ["b", "c"], "c": ["d"], "d": ["c"]}) == ["c", "d", "c"]
    assert w.find_cycle("a", {"a": ["a"]}) == ["a", "a"]
    # a diamond is not a cycle
    assert w.find_cycle("a", {"a": ["b", "c"], "b": ["d"], "c": ["d"]}) is None


def test_scope_diff():
    assert w.scope_diff(["a", "b"], ["b", "c"]) == (["c"], ["a"])
    assert w.scope_diff(["a"], ["a"]) == ([], [])


def test_steps_with_nothing_to_do_are_skipped_and_say_why():
    steps = w.applicable_steps("api_key", has_dependencies=False, has_variables=False)
    assert steps == (w.WORKSPACE, w.AUTH, w.REVIEW)
    assert w.next_step(w.WORKSPACE, steps) == w.AUTH and w.next_step(w.AUTH, steps) == w.REVIEW
    states = w.progress(steps, [w.WORKSPACE], w.AUTH, auth_type="api_key")
    assert [(s.status, s.note) for s in states] == [
        (w.DONE, ""),
        (w.SKIPPED, "needs no other integration"),
        (w.CURRENT, ""),
        (w.SKIPPED, "no settings"),
        (w.TODO, ""),
    ]
    # An upgrade keeps its credential: that is why Connect is skipped, not "no sign-in needed".
    upgrade = w.applicable_steps("api_key", w.UPGRADE, has_dependencies=False)
    notes = {s.key: s.note for s in w.progress(upgrade, [], w.WORKSPACE, w.UPGRADE, "api_key")}
    assert notes[w.AUTH] == "keeps the saved API key"
    notes = {s.key: s.note for s in w.progress(upgrade, [], w.WORKSPACE, w.UPGRADE, "oauth2")}
    assert notes[w.AUTH] == "keeps the current connection"


def _side(version, auth=None, deps=()):
    return {
        "version": version,
        "auth_config": auth or {"type": "api_key"},
        "manifest": {"dependencies": [{"integration": d, "version": "^1.0.0"} for d in deps]},
    }


def test_an_upgrade_is_one_confirm_only_when_it_asks_nothing_new():
    old = _side((1, 2))
    assert w.asks_nothing_new(old, _side((1, 2)), [], {})  # patch
    assert w.asks_nothing_new(old, _side((1, 3)), [], {})  # minor
    assert not w.asks_nothing_new(old, _side((2, 0)), [], {})  # major
    assert not w.asks_nothing_new(_side((0, 2)), _side((0, 3)), [], {})  # 0.x minor breaks
    assert w.asks_nothing_new(_side((0, 2)), _side((0, 2)), [], {})
    assert not w.asks_nothing_new(old, _side((1, 3), {"type": "none"}), [], {})  # other sign-in
    oauth = {"type": "oauth2", "scopes": ["read", "write"]}
    assert not w.asks_nothing_new(_side((1, 0), oauth), _side((1, 1), oauth), ["read"], {})  # new scope
    assert w.asks_nothing_new(_side((1, 0), oauth), _side((1, 1), oauth), ["read", "write"], {})
    assert not w.asks_nothing_new(old, _side((1, 3), deps=["a/b"]), [], {})  # a new dependency
    assert not w.asks_nothing_new(old, _side((1, 3)), [], {"region": ["This value is required."]})
