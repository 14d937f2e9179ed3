"""The look-alike rule for publisher handles: TR39 skeletons, case and hyphens ignored."""

import pytest

from app.domain.namespaces import BUILT_IN_RESERVED, built_in_skeletons, handle_skeleton, tr39_skeleton


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("google", "g00gle"),  # 0 / o
        ("google", "GOOGLE"),
        ("paypal", "paypa1"),  # 1 / l
        ("paypal", "paypai"),  # i / l
        ("paypal", "PAYPAI"),
        ("microsoft", "rnicrosoft"),  # rn / m
        ("stripe", "str-ipe"),  # separators
        ("stripe", "s-t-r-i-p-e"),
        ("acme-corp", "acmecorp"),
        ("apple", "\u0430pple"),  # Cyrillic а, were it ever let through
        ("apple", "\uff41pple"),  # fullwidth a
    ],
)
def test_look_alikes_share_a_skeleton(one, other):
    assert handle_skeleton(one) == handle_skeleton(other)


@pytest.mark.parametrize(
    ("one", "other"), [("acme", "acne"), ("stripe", "strip"), ("globex", "glowex"), ("dice", "rice")]
)
def test_different_handles_keep_different_skeletons(one, other):
    assert handle_skeleton(one) != handle_skeleton(other)


def test_the_tr39_skeleton_itself_follows_unicodes_confusables():
    assert tr39_skeleton("0") == tr39_skeleton("O")  # DIGIT ZERO → LATIN CAPITAL LETTER O
    assert tr39_skeleton("1") == tr39_skeleton("l") == tr39_skeleton("I")
    assert tr39_skeleton("m") == "rn"  # a prototype of two letters
    assert tr39_skeleton("\u0441") == tr39_skeleton("c")  # Cyrillic с


def test_the_built_in_list_names_brands_and_misleading_words_without_clashes():
    for word in ("google", "microsoft", "aws", "apple", "official", "verified", "marketplace", "admin"):
        assert word in BUILT_IN_RESERVED
    assert len(BUILT_IN_RESERVED) >= 100
    assert len(built_in_skeletons()) == len(BUILT_IN_RESERVED)
