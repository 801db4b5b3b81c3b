"""Badge and tier-icon images: rendered by ``badges``, served with an ETag decided before drawing.

Invalid option values fall back to the defaults: a partner's page must not break because of a
typo in a query string.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl

from flask import Response, abort, request

import badges
from badges import Options, Rendered

from ...badge_facts import load_badge
from ...services.insights.counters import count_badge_view
from .blueprint import CACHE_CONTROL, bp

IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"


IMAGE_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", IMAGE_CSP),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("X-Frame-Options", "DENY"),  # embedded with <img>; only /embed/ may be framed
    ("Cache-Control", CACHE_CONTROL),
)


def _image_response(body: bytes | None, media_type: str, etag: str) -> Response:
    """The image (or, with ``body`` None, a 304) with its fixed headers and ETag."""
    headers = [("Content-Type", media_type), *IMAGE_HEADERS, ("ETag", f'"{etag}"')]
    if body is None:
        return Response(status=304, headers=headers)
    return Response(body, headers=headers)


def _image(rendered: Rendered) -> Response:
    """Serve rendered bytes, or 304 when the client already holds them."""
    held = request.if_none_match.contains_weak(rendered.etag)
    return _image_response(None if held else rendered.body, rendered.media_type, rendered.etag)


def _not_modified(fmt: str, subject, options: Options, factor: int) -> Response | None:
    """A 304 when the client holds the current picture, decided without rendering it."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:
        return None
    tag = badges.etag(fmt, subject, options, factor)
    if not request.if_none_match.contains_weak(tag):
        return None
    return _image_response(None, badges.MEDIA_TYPES[fmt], tag)


@lru_cache(maxsize=512)
def _parse_query(query_string: bytes) -> tuple[Options, int]:
    """Drawing options and PNG density from a query string (cached: partners reuse a few)."""
    args = dict(parse_qsl(query_string.decode("utf-8", "replace")))
    return Options.parse(args), 2 if args.get("scale") == "2" else 1


def _options() -> tuple[Options, int]:
    return _parse_query(request.query_string)


@bp.get("/badges/<slug>.svg")
def review_svg(slug: str):
    """The review badge of an agency as SVG."""
    options, _ = _options()
    badge = load_badge(slug)
    if badge.listed:  # a revalidated (304) badge is shown too
        count_badge_view(slug)
    return _not_modified("svg", badge, options, 1) or _image(badges.render("svg", badge, options))


@bp.get("/badges/<slug>.png")
def review_png(slug: str):
    """The review badge of an agency as PNG (``scale=2`` for high-density screens)."""
    options, factor = _options()
    badge = load_badge(slug)
    if badge.listed:
        count_badge_view(slug)
    cached = _not_modified("png", badge, options, factor)
    return cached or _image(badges.render("png", badge, options, factor))


def _tier(tier: str, fmt: str) -> Response:
    if tier not in badges.TIERS:
        abort(404)
    options, factor = _options()
    cached = _not_modified(fmt, tier, options, factor)
    return cached or _image(badges.render_tier(fmt, tier, options, factor))


@bp.get("/badges/tiers/<tier>.svg")
def tier_svg(tier: str):
    """The icon of a partner tier as SVG."""
    return _tier(tier, "svg")


@bp.get("/badges/tiers/<tier>.png")
def tier_png(tier: str):
    """The icon of a partner tier as PNG."""
    return _tier(tier, "png")
