"""Agency descriptions: a small Markdown subset rendered to safe HTML, or flattened to text.

Descriptions come from imports and from agency members, so they are untrusted. Two layers:
markdown-it-py (CommonMark, raw HTML disabled, only the rules we want) produces the HTML, then
nh3 keeps an allowlist of tags, attributes and URL schemes. Either layer alone would be enough
today; both together survive a future change of the other.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Longer than any valid description (5,000): a cap on work, not a validation rule.
MAX_SOURCE_CHARS = 20_000

ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener ugc"

# Block and inline rules that would produce tags outside the allowlist: their source is shown
# as written (a "# heading" stays a paragraph) instead of being silently dropped.
_DISABLED_RULES = [
    "code",
    "fence",
    "blockquote",
    "hr",
    "heading",
    "lheading",
    "html_block",
    "html_inline",
    "image",
    "backticks",
    "table",
    "strikethrough",
]

_SPACES = re.compile(r"\s+")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable([rule for rule in _DISABLED_RULES if _has_rule(md, rule)])
    return md


def _has_rule(md: MarkdownIt, name: str) -> bool:
    return any(name in md.get_all_rules()[chain] for chain in ("core", "block", "inline"))


_MD = _parser()


def render_markdown(source: str | None) -> Markup:
    """Safe HTML for a description written in the Markdown subset (or plain paragraphs)."""
    if not source:
        return Markup("")
    rendered = _MD.render(source[:MAX_SOURCE_CHARS])
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        url_relative="deny",
        strip_comments=True,
    )
    return Markup(cleaned.strip())  # noqa: S704 - sanitized by nh3 just above


def markdown_to_text(source: str | None, limit: int | None = None) -> str:
    """The description as one line of plain text (meta description, structured data)."""
    if not source:
        return ""
    stripped = nh3.clean(_MD.render(source[:MAX_SOURCE_CHARS]), tags=set())
    text = _SPACES.sub(" ", html.unescape(stripped)).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
