"""What the integration pages derive from raw documents, including malformed ones."""

from __future__ import annotations

import pytest

from app.web.catalog import presenters as p


def test_scopes_in_plain_words():
    assert p.describe_scope("repo:read") == "Read repo"
    assert p.describe_scope("chat.write") == "Change chat"
    assert p.describe_scope("write") == "Change your data"
    assert p.describe_scope("offline_access") == "Access offline access"


def test_only_https_icons():
    assert p.safe_icon_url("https://cdn.test/i.png") == "https://cdn.test/i.png"
    for bad in (
        "http://cdn.test/i.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//cdn.test/i.png",
        "https:///nohost",
        "https://[bad",
        None,
        "",
        "https://x.test/" + "a" * 3000,
    ):
        assert p.safe_icon_url(bad) is None, bad


def test_variables_and_members_tolerate_malformed_documents():
    assert p.variables_of(None) == [] and p.variables_of({"properties": []}) == []
    variables = p.variables_of(
        {
            "required": ["a"],
            "properties": {
                "a": {"type": "string", "title": "A", "description": "first"},
                "b": {"type": "array", "items": {"type": "string"}},
                "c": "not a schema",
            },
        }
    )
    assert [(v.name, v.title, v.type, v.required) for v in variables] == [
        ("a", "A", "string", True),
        ("b", "b", "list of string", False),
        ("c", "c", "any", False),
    ]
    members = p.members_of(
        {
            "members": [
                {"key": "k", "kind": "flow", "forkOnInstall": True},
                "junk",
                {"key": "j", "name": "J", "forkOnInstall": "yes"},
            ]
        }
    )
    assert [(m.name, m.fork_on_install) for m in members] == [("k", True), ("J", False)]
    assert p.members_of({"members": "nope"}) == [] and p.scopes_of({"scopes": "read"}) == []


def test_card_excerpts_drop_markdown():
    assert (
        p.excerpt("Send **webhooks** to [any app](https://x.test) `fast`.")
        == "Send webhooks to any app fast."
    )
    long = p.excerpt("word " * 100, 30)
    assert long.endswith("…") and len(long) <= 31
    assert (
        p.excerpt(None) == "" and p.excerpt("<script>x</script>") == "<script>x</script>"
    )  # escaped by Jinja


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("# Title\n\nBody text.", "Title Body text."),
        ("**Bold**, *em*, __strong__, ~~gone~~ and `code`", "Bold, em, strong, gone and code"),
        ("[Docs](https://example.com/docs) and ![logo](https://example.com/x.png)", "Docs and logo"),
        ("- one\n- two\n\n1. first", "one two first"),
        ("> quoted\n> more", "quoted more"),
        ("Fish &amp; chips \\*not bold\\*", "Fish & chips *not bold*"),
        ("Line one  \nline two", "Line one line two"),
        ("Heading\n=======\n\ntext", "Heading text"),
        ("```\ncode block\n```", "code block"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "a b 1 2"),
        ("Plain words, nothing else.", "Plain words, nothing else."),
    ],
)
def test_excerpts_are_markdown_reduced_to_plain_text(markdown, plain):
    assert p.excerpt(markdown) == plain
    for residue in ("**", "](", "# ", "~~", "`"):
        assert residue not in p.excerpt(markdown)
