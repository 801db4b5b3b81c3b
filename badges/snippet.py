"""The HTML a partner pastes on their site, and the badge URLs and variants the builder offers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from itertools import product
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from .scene import LAYOUTS, SIZES, THEMES, Badge, Options, alt_text, dimensions
from .text import LANGUAGES, t

FORMATS = ("svg", "png")
EMBED_HEIGHT = 420


def _checked_url(url: str) -> str:
    """``url`` if it is http(s) or site-relative; anything else (javascript:, data:) is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "") or (not parts.scheme and not url.startswith("/")):
        raise ValueError(f"not an http(s) or site-relative URL: {url!r}")
    return url


def snippet(profile_url: str, badge_url: str, width: int, height: int, alt: str) -> str:
    """The default embed: a link to the profile's reviews around the badge image (no script)."""
    parts = urlsplit(_checked_url(profile_url))
    href = urlunsplit(parts._replace(fragment="reviews"))
    return (
        f'<a href="{escape(href)}"><img src="{escape(_checked_url(badge_url))}" '
        f'width="{int(width)}" height="{int(height)}" alt="{escape(alt)}"></a>'
    )


def iframe_snippet(embed_url: str, title: str, height: int = EMBED_HEIGHT) -> str:
    """The review widget embed: a sandboxed iframe of ``/embed/<slug>``."""
    return (
        f'<iframe src="{escape(_checked_url(embed_url))}" title="{escape(title)}" width="100%" '
        f'height="{int(height)}" loading="lazy" referrerpolicy="strict-origin-when-cross-origin" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>'
    )


def query(options: Options, factor: int = 1) -> dict[str, str]:
    """The query arguments for ``options``; defaults are left out so URLs stay canonical."""
    default = Options()
    args = {
        name: str(getattr(options, name))
        for name in ("layout", "theme", "size", "lang")
        if getattr(options, name) != getattr(default, name)
    }
    if options.cta:
        args["cta"] = "1"
    if factor == 2:
        args["scale"] = "2"
    return args


def badge_url(
    base_url: str, slug: str, fmt: str = "svg", options: Options | None = None, factor: int = 1
) -> str:
    """Absolute URL of a badge: ``{base_url}/badges/{slug}.{fmt}?{non-default options}``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    args = query(options or Options(), factor if fmt == "png" else 1)
    url = f"{base_url.rstrip('/')}/badges/{quote(slug, safe='')}.{fmt}"
    return f"{url}?{urlencode(args)}" if args else url


def embed_url(base_url: str, slug: str, lang: str = "en") -> str:
    """Absolute URL of the review widget of ``slug``."""
    url = f"{base_url.rstrip('/')}/embed/{quote(slug, safe='')}"
    return f"{url}?lang={lang}" if lang != "en" else url


def variants() -> list[dict]:
    """Every badge variant the builder offers, with its fixed pixel size."""
    rows = []
    for layout, size, theme, cta in product(LAYOUTS, SIZES, THEMES, (False, True)):
        options = Options(theme=theme, size=size, layout=layout, cta=cta)
        width, height = dimensions(options)
        rows.append(
            {
                "layout": layout,
                "size": size,
                "theme": theme,
                "cta": cta,
                "width": width,
                "height": height,
            }
        )
    return rows


def builder_context(
    base_url: str,
    profile_urls: Mapping[str, str],
    slug: str,
    badge: Badge,
    options: Options | None = None,
) -> dict:
    """Everything the dashboard's snippet builder renders, and what badge-builder.js reads.

    ``profile_urls`` maps each language to the agency's profile URL. ``data_attributes`` go on
    the builder's ``<form data-badge-builder>`` so the script can rebuild the snippet for any
    choice without a round trip; ``snippet`` is the server-rendered default (works without JS).
    """
    options = options or Options()
    width, height = dimensions(options)
    url = badge_url(base_url, slug, "svg", options)
    alts = {lang: alt_text(badge, lang) for lang in LANGUAGES}
    profile = profile_urls.get(options.lang) or profile_urls["en"]
    sizes = {
        f"{v['layout']}:{v['size']}:{int(v['cta'])}": [v["width"], v["height"]] for v in variants()
    }
    badge_base = f"{base_url.rstrip('/')}/badges/{quote(slug, safe='')}"
    return {
        "options": options,
        "badge_url": url,
        "width": width,
        "height": height,
        "alt": alts[options.lang],
        "snippet": snippet(profile, url, width, height, alts[options.lang]),
        "iframe": iframe_snippet(embed_url(base_url, slug, options.lang), t(options.lang, "brand")),
        "choices": {
            "layout": LAYOUTS,
            "size": tuple(SIZES),
            "theme": THEMES,
            "lang": LANGUAGES,
            "format": FORMATS,
        },
        "data_attributes": {
            "data-badge-base": badge_base,
            "data-profile-urls": json.dumps(dict(profile_urls), ensure_ascii=False),
            "data-dimensions": json.dumps(sizes, separators=(",", ":")),
            "data-alts": json.dumps(alts, ensure_ascii=False),
        },
    }
