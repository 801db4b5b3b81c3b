"""The HTML a partner pastes on their site, and the badge URLs and variants the builder offers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from itertools import product
from typing import NamedTuple
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from .scene import CTA_HEIGHT, LAYOUTS, SIZES, THEMES, Badge, Options, alt_text, dimensions
from .text import LANGUAGES, t

FORMATS = ("svg", "png")
EMBED_HEIGHT = 420


def _checked_url(url: str) -> str:
    """``url`` if it is http(s) or site-relative; anything else (javascript:, data:) is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "") or (not parts.scheme and not url.startswith("/")):
        raise ValueError(f"not an http(s) or site-relative URL: {url!r}")
    return url


class CallToAction(NamedTuple):
    """The badge's "Leave a review" strip: where it leads, its text, and its top edge (px)."""

    url: str
    label: str
    top: int


def snippet(
    profile_url: str,
    badge_url: str,
    width: int,
    height: int,
    alt: str,
    *,
    cta: CallToAction | None = None,
    name: str = "badge",
) -> str:
    """The embed: the badge image linking to the profile's reviews (no script).

    With a call to action the image gets a map of two links, so the strip opens the review
    form while the rest still opens the reviews; ``name`` names the map on the partner's page.
    """
    parts = urlsplit(_checked_url(profile_url))
    href = escape(urlunsplit(parts._replace(fragment="reviews")))
    src, w, h = escape(_checked_url(badge_url)), int(width), int(height)
    if cta is None:
        return (
            f'<a href="{href}"><img src="{src}" width="{w}" height="{h}" alt="{escape(alt)}"></a>'
        )
    top, name = int(cta.top), escape(name)
    return (
        f'<img src="{src}" width="{w}" height="{h}" alt="{escape(alt)}" usemap="#{name}">'
        f'<map name="{name}">'
        f'<area shape="rect" coords="0,0,{w},{top}" href="{href}" alt="{escape(alt)}">'
        f'<area shape="rect" coords="0,{top},{w},{h}" href="{escape(_checked_url(cta.url))}" '
        f'alt="{escape(cta.label)}"></map>'
    )


def cta_top(options: Options) -> int:
    """Where the call-to-action strip starts, in pixels from the badge's top."""
    return dimensions(options)[1] - round(CTA_HEIGHT * options.scale)


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
                "cta_top": cta_top(options) if cta else height,
            }
        )
    return rows


def builder_context(
    base_url: str,
    profile_urls: Mapping[str, str],
    slug: str,
    badge: Badge,
    options: Options | None = None,
    *,
    review_urls: Mapping[str, str] | None = None,
    fmt: str = "svg",
    factor: int = 1,
) -> dict:
    """Everything the dashboard's snippet builder renders, and what badge-builder.js reads.

    ``profile_urls`` and ``review_urls`` map each language to the agency's profile and review
    form. ``data_attributes`` go on the builder's ``<form data-badge-builder>`` so the script can
    rebuild the snippet for any choice without a round trip; ``snippet`` is the server-rendered
    one for ``options``, ``fmt`` and ``factor`` (what the form sends without JavaScript).
    """
    options = options or Options()
    fmt = fmt if fmt in FORMATS else "svg"
    factor = 2 if factor == 2 and fmt == "png" else 1
    width, height = dimensions(options)
    url = badge_url(base_url, slug, fmt, options, factor)
    alts = {lang: alt_text(badge, lang) for lang in LANGUAGES}
    profile = profile_urls.get(options.lang) or profile_urls["en"]
    reviews = dict(review_urls or {})
    sizes = {
        f"{v['layout']}:{v['size']}:{int(v['cta'])}": [v["width"], v["height"], v["cta_top"]]
        for v in variants()
    }
    badge_base = f"{base_url.rstrip('/')}/badges/{quote(slug, safe='')}"
    cta = None
    if options.cta and reviews:
        review = reviews.get(options.lang) or reviews["en"]
        cta = CallToAction(review, t(options.lang, "cta"), cta_top(options))
    name = f"badge-{slug}"
    return {
        "options": options,
        "format": fmt,
        "factor": factor,
        "badge_url": url,
        "width": width,
        "height": height,
        "alt": alts[options.lang],
        "snippet": snippet(profile, url, width, height, alts[options.lang], cta=cta, name=name),
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
            "data-badge-name": name,
            "data-profile-urls": json.dumps(dict(profile_urls), ensure_ascii=False),
            "data-review-urls": json.dumps(reviews, ensure_ascii=False),
            "data-cta-labels": json.dumps({lang: t(lang, "cta") for lang in LANGUAGES}),
            "data-dimensions": json.dumps(sizes, separators=(",", ":")),
            "data-alts": json.dumps(alts, ensure_ascii=False),
        },
    }
