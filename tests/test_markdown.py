"""The description renderer: a Markdown subset in, allowlisted HTML out."""

from html.parser import HTMLParser

import pytest

from directory.markdown import ALLOWED_TAGS, markdown_to_text, render_markdown


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(str(html))
    return parser.tags


def test_subset_renders():
    html = render_markdown("Hello *you* and **all**\nnext line\n\n- one\n- two\n\n1. first")
    assert "<em>you</em>" in html
    assert "<strong>all</strong>" in html
    assert "<br>" in html
    assert "<ul>\n<li>one</li>" in html
    assert "<ol>\n<li>first</li>" in html


def test_links_get_rel_and_only_safe_schemes():
    html = render_markdown(
        "[a](https://example.com) [b](mailto:x@example.com) [c](javascript:alert(1)) "
        "[d](/relative) [e](data:text/html,x) [f](ftp://example.com)"
    )
    assert '<a href="https://example.com" rel="nofollow noopener ugc">a</a>' in html
    assert 'href="mailto:x@example.com"' in html
    assert "javascript:" not in html.replace("[c](javascript:alert(1))", "")
    assert 'href="/relative"' not in html
    assert 'href="data:' not in html
    assert 'href="ftp:' not in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<a href='javascript:alert(1)'>x</a>",
        "<iframe src=//evil></iframe>",
        "[x](javascript:alert(1))",
        '[x](https://example.com "t" onmouseover=alert(1))',
        "![img](https://example.com/x.png)",
        "<style>body{}</style>",
    ],
)
def test_no_executable_markup(source):
    for tag, attrs in tags_of(render_markdown(source)):
        assert tag in ALLOWED_TAGS
        assert set(attrs) <= {"href", "rel"}
        assert attrs.get("href", "https:").split(":")[0] in {"https", "http", "mailto"}


def test_block_syntax_outside_the_subset_stays_text():
    html = render_markdown("# Title\n\n    indented\n\n> quote\n\n```\ncode\n```")
    for tag in ("<h1", "<pre", "<code", "<blockquote"):
        assert tag not in html
    assert "# Title" in html


def test_empty_and_plain_text():
    assert render_markdown(None) == ""
    assert render_markdown("") == ""
    assert render_markdown("Just text.") == "<p>Just text.</p>"


def test_markdown_to_text():
    assert markdown_to_text("Hello *you*\n\n[link](https://x.example) & co") == (
        "Hello you link & co"
    )
    assert markdown_to_text("a" * 300, limit=10) == "a" * 9 + "…"
    assert markdown_to_text(None) == ""
