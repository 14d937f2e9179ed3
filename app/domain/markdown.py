"""User Markdown to safe HTML: markdown-it-py renders (raw HTML off), nh3 sanitises."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN = 100_000

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")


def render_markdown(text: str | None, *, heading_offset: int = 2, headings: bool = True) -> str:
    """Render to sanitised HTML. Headings are shifted down so user text never outranks the page's own;
    with headings=False (text shown inside a table cell or a disclosure) they become bold paragraphs."""
    if not text:
        return ""
    html = _renderer().render(text[:MAX_MARKDOWN])
    if not headings:
        html = re.sub(r"<h[1-6]>", "<p><strong>", html)
        html = re.sub(r"</h[1-6]>", "</strong></p>", html)
    elif heading_offset:
        for level in range(6, 0, -1):
            new = min(level + heading_offset, 6)
            html = html.replace(f"<h{level}>", f"<h{new}>").replace(f"</h{level}>", f"</h{new}>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


# One line with no character Markdown gives a meaning to, not starting like a list, heading or code.
_MARKUP_FREE = re.compile(r"(?![\s\d+=-])[^\n*_`\[\]#>~<&!|\\]*")
_TEXT_TOKENS = {"text", "code_inline", "image"}  # an image: its alt text
_BREAK_TOKENS = {"softbreak", "hardbreak"}


def plain_text(text: str | None, *, limit: int = MAX_MARKDOWN) -> str:
    """Markdown reduced to its words: rendered by the same parser (raw HTML off), then only the text
    kept -- no `**`, `#`, `[x](y)` or `<b>` residue; blocks and line breaks become single spaces."""
    if not text:
        return ""
    text = text[:limit]
    if _MARKUP_FREE.fullmatch(text):
        return " ".join(text.split())  # nothing Markdown would change: skip the parser
    pieces: list[str] = []
    for block in _renderer().parse(text):
        if block.type == "inline":
            for token in block.children or ():
                if token.type in _TEXT_TOKENS:
                    pieces.append(token.content)
                elif token.type in _BREAK_TOKENS:
                    pieces.append(" ")
            pieces.append(" ")
        elif block.type in ("fence", "code_block"):
            pieces.append(block.content)
            pieces.append(" ")
    return " ".join("".join(pieces).split())
