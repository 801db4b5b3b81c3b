"""Review badges and tier icons: pure functions from data to SVG or PNG bytes (no Flask).

Results are cached by content: a ``Badge`` and ``Options`` are frozen, hashable values, so the
same facts drawn the same way are rendered once per process.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import PIL

from .png import to_png
from .scene import (
    BASE_SIZE,
    LAYOUTS,
    NEUTRAL,
    SIZES,
    THEMES,
    TIERS,
    Badge,
    Options,
    accessible_name,
    alt_text,
    build,
    build_tier_icon,
    dimensions,
)
from .snippet import (
    CallToAction,
    badge_url,
    builder_context,
    embed_url,
    iframe_snippet,
    snippet,
    variants,
)
from .svg import ALLOWED, to_svg
from .text import LANGUAGES

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}

__all__ = [
    "ALLOWED",
    "BASE_SIZE",
    "LANGUAGES",
    "LAYOUTS",
    "MEDIA_TYPES",
    "NEUTRAL",
    "SIZES",
    "THEMES",
    "TIERS",
    "Badge",
    "CallToAction",
    "Options",
    "Rendered",
    "accessible_name",
    "alt_text",
    "badge_url",
    "builder_context",
    "clear_caches",
    "dimensions",
    "embed_url",
    "etag",
    "iframe_snippet",
    "render",
    "render_png",
    "render_svg",
    "render_tier",
    "snippet",
    "tier_png",
    "tier_svg",
    "variants",
]


class Rendered(NamedTuple):
    """Bytes ready to serve, their media type and strong ETag (unquoted; see ``etag``)."""

    body: bytes
    media_type: str
    etag: str


@lru_cache(maxsize=2048)
def render_svg(badge: Badge, options: Options = Options()) -> bytes:  # noqa: B008 - immutable
    """The review badge as SVG."""
    return to_svg(build(badge, options))


@lru_cache(maxsize=1024)
def render_png(badge: Badge, options: Options = Options(), factor: int = 1) -> bytes:  # noqa: B008
    """The review badge as PNG; ``factor=2`` for high-density screens."""
    return to_png(build(badge, options), 2 if factor == 2 else 1)


def _check_tier(tier: str) -> None:
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of {TIERS}")


@lru_cache(maxsize=64)
def tier_svg(tier: str, options: Options = Options()) -> bytes:  # noqa: B008
    """The icon of a partner tier as SVG (shape and name differ per tier)."""
    _check_tier(tier)
    return to_svg(build_tier_icon(tier, options))


@lru_cache(maxsize=64)
def tier_png(tier: str, options: Options = Options(), factor: int = 1) -> bytes:  # noqa: B008
    """The icon of a partner tier as PNG."""
    _check_tier(tier)
    return to_png(build_tier_icon(tier, options), 2 if factor == 2 else 1)


def _renderer_version() -> str:
    """A digest of everything that decides the bytes: this package's code, fonts and Pillow.

    Part of every ETag, so a deploy that changes the drawing changes the ETags with it.
    """
    digest = hashlib.blake2b(PIL.__version__.encode(), digest_size=16)
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *(here / "fonts").glob("*.ttf")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


RENDERER_VERSION = _renderer_version()


@lru_cache(maxsize=8192)
def etag(fmt: str, subject: Badge | str, options: Options = Options(), factor: int = 1) -> str:  # noqa: B008
    """The strong ETag (unquoted) of a review badge (``subject`` a ``Badge``) or tier icon
    (``subject`` a tier name), computed from what is drawn, without drawing it.

    Equal inputs give equal bytes, and the inputs (facts, options, format, density, renderer
    version) are all in the hash, so the tag changes whenever the picture can; a 304 needs no
    render at all.
    """
    factor = 2 if fmt == "png" and factor == 2 else 1
    key = repr((RENDERER_VERSION, fmt, subject, options, factor))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


@lru_cache(maxsize=4096)
def render(fmt: str, badge: Badge, options: Options = Options(), factor: int = 1) -> Rendered:  # noqa: B008
    """A review badge in ``fmt`` ("svg" or "png") with its ETag."""
    body = render_svg(badge, options) if fmt == "svg" else render_png(badge, options, factor)
    return Rendered(body, MEDIA_TYPES[fmt], etag(fmt, badge, options, factor))


@lru_cache(maxsize=64)
def render_tier(fmt: str, tier: str, options: Options = Options(), factor: int = 1) -> Rendered:  # noqa: B008
    """A tier icon in ``fmt`` with its ETag; ``ValueError`` for an unknown tier."""
    body = tier_svg(tier, options) if fmt == "svg" else tier_png(tier, options, factor)
    return Rendered(body, MEDIA_TYPES[fmt], etag(fmt, tier, options, factor))


def clear_caches() -> None:
    """Forget every rendered badge (fonts and text measurements stay loaded)."""
    for cached in (render_svg, render_png, tier_svg, tier_png, render, render_tier, etag):
        cached.cache_clear()
