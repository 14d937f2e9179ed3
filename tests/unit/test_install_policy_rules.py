"""The install-policy decision and the reading of what an admin types (app/domain/install_policy.py)."""

from __future__ import annotations

import pytest

from app.domain import install_policy as rule
from app.domain.trust import TIERS
from app.models import integration as integration_model


def policy(**kwargs) -> rule.Policy:
    for name in ("allow", "block"):
        kwargs[name] = frozenset(kwargs.get(name, ()))
    return rule.Policy(**kwargs)


def decide(p, handle="acme/crm", tier="community"):
    publisher, _, slug = handle.partition("/")
    return rule.decide(p, publisher, slug, tier, "Acme Corp")


def test_the_default_policy_allows_every_tier():
    for tier in TIERS:
        assert decide(rule.DEFAULT, tier=tier) == rule.Decision(True)


@pytest.mark.parametrize(
    ("minimum", "tier", "allowed"),
    [
        ("verified_publisher", "community", False),
        ("verified_publisher", "verified_publisher", True),
        ("verified_publisher", "verified_partner", True),
        ("verified_publisher", "first_party", True),
        ("first_party", "vendor_official", False),
        ("first_party", "first_party", True),
        ("community", "community", True),
        ("verified_partner", "unknown-tier", False),  # an unknown tier reads as community
    ],
)
def test_minimum_tier_follows_the_trust_order(minimum, tier, allowed):
    decision = decide(policy(min_tier=minimum), tier=tier)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.rule == "below_tier"
        assert decision.reason == (
            f"Acme Corp's install policy allows only {TIERS[minimum].label} integrations or more trusted "
            f"ones; this one is {rule.tier_info(tier).label}."
        )


def test_block_list_by_publisher_and_by_listing():
    p = policy(block={"tinkerers", "acme/crm"})
    assert decide(p, "tinkerers/dice") == rule.Decision(
        False, "Acme Corp's install policy blocks every integration by tinkerers.", "blocked_publisher"
    )
    assert decide(p, "acme/crm") == rule.Decision(
        False, "Acme Corp's install policy blocks acme/crm.", "blocked_listing"
    )
    assert decide(p, "acme/other").allowed
    # A handle is matched whole: "tinker" does not block "tinkerers".
    assert decide(policy(block={"tinker"}), "tinkerers/dice").allowed


def test_allow_list_is_an_exception_to_the_minimum_tier():
    p = policy(min_tier="verified_partner", allow={"acme", "bob/tool"})
    assert decide(p, "acme/crm", "community").rule == "allowed_publisher"
    assert decide(p, "bob/tool", "community").rule == "allowed_listing"
    assert not decide(p, "bob/other", "community").allowed


def test_the_most_specific_entry_decides():
    # A listing allowed inside a blocked publisher; a listing blocked inside an allowed publisher.
    p = policy(block={"tinkerers", "acme/crm"}, allow={"tinkerers/cron-helper", "acme"})
    assert decide(p, "tinkerers/cron-helper").allowed
    assert not decide(p, "tinkerers/dice").allowed
    assert not decide(p, "acme/crm").allowed
    assert decide(p, "acme/billing").allowed


def test_parse_entries_reads_lines_and_commas_lowercases_and_drops_repeats():
    parsed = rule.parse_entries("Acme\n tinkerers/dice, bob ,acme\r\n\n")
    assert parsed == rule.ParsedList(("acme", "tinkerers/dice", "bob"), ())
    assert rule.parse_entries("") == rule.ParsedList((), ())
    assert rule.parse_entries(None) == rule.ParsedList((), ())


@pytest.mark.parametrize(
    "bad",
    [
        "-acme",
        "acme/",
        "acme/crm/x",
        "/crm",
        "ac_me",
        "acmé",
        "a" * 40,
        "acme/" + "b" * 65,
        "acme/-x",
        "ＡＣＭＥ",
    ],
)
def test_parse_entries_refuses_what_is_neither_a_handle_nor_a_listing(bad):
    parsed = rule.parse_entries(f"good\n{bad}")
    assert parsed.entries == ("good",)
    assert (
        len(parsed.errors) == 1
        and "is not a publisher handle (acme) or a listing (acme/crm-sync)" in parsed.errors[0]
    )


def test_parse_entries_caps_the_list_and_shortens_long_bad_entries():
    many = rule.parse_entries("\n".join(f"p{i}" for i in range(rule.MAX_ENTRIES + 1)))
    assert many.errors == (f"List at most {rule.MAX_ENTRIES} entries.",)
    long_bad = rule.parse_entries("x" * 300)
    assert "…" in long_bad.errors[0] and len(long_bad.errors[0]) < 150


def test_an_entry_on_both_lists_is_refused():
    assert rule.overlap_error(("acme", "bob/x"), ("bob/x", "carol")) == (
        "Also on the allow list: bob/x. Keep each entry on one list."
    )
    # A publisher on one list and one of its listings on the other is no contradiction.
    assert rule.overlap_error(("acme",), ("acme/crm",)) is None


def test_min_tier_values():
    assert rule.valid_min_tier("") is None and rule.valid_min_tier(None) is None
    assert rule.valid_min_tier("verified_partner") == "verified_partner"
    with pytest.raises(ValueError):
        rule.valid_min_tier("gold")


def test_describe_says_the_policy_in_words():
    lines = rule.describe(
        policy(min_tier="verified_publisher", block={"b", "a"}, allow={"c"}, members_may_request=False)
    )
    assert lines == [
        "Only Verified publisher integrations or more trusted ones may be installed.",
        "Blocked: a, b.",
        "Allowed whatever their trust tier: c.",
        "Members may not ask for installs.",
    ]
    assert rule.describe(rule.DEFAULT)[0] == "Integrations of every trust tier may be installed."


def test_the_domain_patterns_are_the_models():
    assert rule.PUBLISHER_PATTERN == integration_model.PUBLISHER_PATTERN
    assert rule.SLUG_PATTERN == integration_model.SLUG_PATTERN
    assert rule.TIER_ORDER == integration_model.TRUST_TIERS
