"""What a badge shows, laid out once as shapes in base units; ``svg`` and ``png`` draw the result.

Every (size, layout, cta) has a fixed width and height, so a partner's page never reflows when a
rating or a name changes. Sizes scale one layout (small ×0.75, medium ×1, large ×1.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from . import shapes as sh
from .fonts import measure
from .text import LANGUAGES, cap, clean, fit, format_rating, graphemes, review_count, t

THEMES = ("light", "dark")
SIZES = {"small": 0.75, "medium": 1.0, "large": 1.5}
LAYOUTS = ("rating", "tier", "compact")
TIERS = ("gold", "platinum", "diamond", "elite")
BASE_SIZE = {"rating": (240, 68), "tier": (240, 68), "compact": (176, 24)}
CTA_HEIGHT = 24
TIER_ICON_SIZE = (64, 80)
PAD = 12

PALETTES = {
    "light": {
        "bg": "#ffffff",
        "border": "#d0d7de",
        "text": "#1f2328",
        "muted": "#59636e",
        "star": "#c26a00",
        "star_off": "#d0d7de",
        "chip": "#1f2328",
        "chip_text": "#ffffff",
        "chip_star": "#f5b301",
        "cta": "#0a58ca",
        "cta_text": "#ffffff",
    },
    "dark": {
        "bg": "#0d1117",
        "border": "#3d444d",
        "text": "#f0f6fc",
        "muted": "#9198a1",
        "star": "#f5b301",
        "star_off": "#3d444d",
        "chip": "#2d333b",
        "chip_text": "#f0f6fc",
        "chip_star": "#f5b301",
        "cta": "#4493f8",
        "cta_text": "#0d1117",
    },
}


@dataclass(frozen=True)
class Badge:
    """The facts a badge states about one agency (hashable: it is a cache key)."""

    name: str = ""
    rating: float | None = None
    review_count: int = 0
    program: str = "provider"
    tier: str | None = None
    listed: bool = True

    @classmethod
    def of(cls, name, rating, review_count, program="provider", tier=None) -> Badge:
        """A listed agency's badge; the rating is kept to the one decimal that is shown."""
        count = max(0, int(review_count or 0))
        shown = round(float(rating), 1) if rating is not None and count else None
        return cls(clean(name), shown, count, program, tier if program == "partner" else None)

    @property
    def icon(self) -> str | None:
        """The tier icon to draw: a tier, "partner" without a tier, None for providers."""
        if self.program != "partner":
            return None
        return self.tier if self.tier in TIERS else "partner"


NEUTRAL = Badge(listed=False)


@dataclass(frozen=True)
class Options:
    """How to draw a badge; invalid query values fall back to these defaults."""

    theme: str = "light"
    size: str = "medium"
    layout: str = "rating"
    lang: str = "en"
    cta: bool = False

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Options:
        """Options from query arguments; unknown values are ignored, never an error."""

        def pick(name: str, allowed, default: str) -> str:
            value = str(args.get(name, default)).strip().lower()
            return value if value in allowed else default

        return cls(
            theme=pick("theme", THEMES, cls.theme),
            size=pick("size", SIZES, cls.size),
            layout=pick("layout", LAYOUTS, cls.layout),
            lang=pick("lang", LANGUAGES, cls.lang),
            cta=str(args.get("cta", "")).strip().lower() in {"1", "true", "yes", "on"},
        )

    @property
    def scale(self) -> float:
        """Output pixels per base unit."""
        return SIZES[self.size]


@dataclass(frozen=True)
class Scene:
    """A laid-out badge: base-unit size, output scale, accessible name and shapes."""

    width: int
    height: int
    scale: float
    label: str
    lang: str
    shapes: tuple[sh.Shape, ...] = field(default=())

    @property
    def pixel_size(self) -> tuple[int, int]:
        """Declared width and height (before any 2x)."""
        return round(self.width * self.scale), round(self.height * self.scale)


def dimensions(options: Options) -> tuple[int, int]:
    """The fixed pixel size of a badge drawn with ``options``."""
    width, height = BASE_SIZE[options.layout]
    height += CTA_HEIGHT if options.cta else 0
    return round(width * options.scale), round(height * options.scale)


def tier_label(icon: str, lang: str) -> str:
    """ "Gold partner", "Solutions partner", "Solutions provider" in ``lang``."""
    if icon in TIERS:
        return t(lang, "tier", tier=t(lang, icon))
    return t(lang, icon)


def accessible_name(badge: Badge, lang: str) -> str:
    """The badge's text alternative: name, rating, review count, tier."""
    if not badge.listed:
        return f"{t(lang, 'brand')} — {t(lang, 'not_listed')}"
    parts = [cap(badge.name) or t(lang, "brand")]
    if badge.rating is not None:
        parts.append(t(lang, "out_of_5", rating=format_rating(badge.rating, lang)))
    parts.append(_count(badge, lang))
    parts.append(tier_label(badge.icon or "provider", lang))
    return " — ".join(parts)


def alt_text(badge: Badge, lang: str) -> str:
    """Short alt text for the embed snippet: "4.8/5 — 23 reviews"."""
    if not badge.listed:
        return accessible_name(badge, lang)
    if badge.rating is None:
        return f"{cap(badge.name, 40)} — {t(lang, 'no_reviews')}"
    return (
        f"{t(lang, 'out_of_5', rating=format_rating(badge.rating, lang))} — {_count(badge, lang)}"
    )


def _count(badge: Badge, lang: str) -> str:
    return review_count(badge.review_count, lang) if badge.review_count else t(lang, "no_reviews")


def _line(x, y, text, size, fill, max_width, *, bold=False, anchor="start") -> sh.Text:
    """A line of data (a name) shortened with an ellipsis to ``max_width`` (2 units spare)."""
    fitted = fit(text, max_width - 2, partial(measure, size=size, bold=bold))
    return sh.Text(x, y, fitted, size, fill, bold, anchor)


def _label(x, y, text, size, fill, max_width, *, bold=False, anchor="start") -> sh.Text:
    """A line of interface text: made up to 20 % smaller before it is shortened."""
    smallest = size * 0.8
    while size > smallest and measure(text, size, bold) > max_width - 2:
        size = max(smallest, size - 0.5)
    return _line(x, y, text, size, fill, max_width, bold=bold, anchor=anchor)


def _name(x, y, text, size, fill, max_width, *, bold, lines, line_size) -> list[sh.Text]:
    """An agency name in a fixed box: one line (made up to 20 % smaller), else two lines.

    ``lines`` are the two baselines used when it wraps, at ``line_size``; the break falls after
    a word when one fits, else between graphemes (CJK names have no spaces). Only a name too
    long even for two lines is shortened, with an ellipsis at the end of the second.
    """
    room = max_width - 2
    one = _label(x, y, text, size, fill, max_width, bold=bold)
    if one.text == text:
        return [one]
    wide = partial(measure, size=line_size, bold=bold)
    first, rest = _wrap(text, room, wide)
    return [
        sh.Text(x, lines[0], first, line_size, fill, bold),
        sh.Text(x, lines[1], fit(rest, room, wide), line_size, fill, bold),
    ]


def _wrap(text: str, room: float, width) -> tuple[str, str]:
    """The first line of ``text`` no wider than ``room``, and the rest."""
    clusters = graphemes(text)
    low, high = 1, len(clusters)  # the longest prefix that fits (at least one grapheme)
    while low < high:
        mid = (low + high + 1) // 2
        if width("".join(clusters[:mid]).rstrip()) <= room:
            low = mid
        else:
            high = mid - 1
    head = "".join(clusters[:low])
    rest = "".join(clusters[low:])
    if rest and not rest.startswith(" ") and " " in head.strip():
        head, _, tail = head.rstrip().rpartition(" ")  # break after the last whole word
        rest = tail + rest
    return head.rstrip(), rest.strip()


def build(badge: Badge, options: Options) -> Scene:
    """Lay out ``badge`` with ``options``."""
    width, height = BASE_SIZE[options.layout]
    colours = PALETTES[options.theme]
    cta = options.cta and badge.listed
    total = height + (CTA_HEIGHT if options.cta else 0)
    frame = sh.Rect(0.5, 0.5, width - 1, total - 1, colours["bg"], 6, colours["border"])
    if not badge.listed:
        body = _neutral(options, width, total, colours)
    elif options.layout == "rating":
        body = _rating(badge, options.lang, width, colours)
    elif options.layout == "tier":
        body = _tier(badge, options.lang, width, colours)
    else:
        body = _compact(badge, options.lang, width, colours)
    if cta:
        body += _cta(options.lang, width, height, colours)
    label = accessible_name(badge, options.lang)
    return Scene(width, total, options.scale, label, options.lang, (frame, *body))


def _neutral(options: Options, width: int, height: int, c: dict) -> list[sh.Shape]:
    lang, inner = options.lang, width - 2 * PAD
    if options.layout == "compact":
        return [
            _label(width / 2, 16, t(lang, "not_listed"), 11, c["muted"], inner, anchor="middle")
        ]
    middle = height / 2
    return [
        _label(PAD, middle - 4, t(lang, "brand"), 13, c["text"], inner, bold=True),
        _label(PAD, middle + 14, t(lang, "not_listed"), 11, c["muted"], inner),
    ]


def _rating(badge: Badge, lang: str, width: int, c: dict) -> list[sh.Shape]:
    column = 56 if badge.icon else 0
    inner = width - 2 * PAD - column
    name = badge.name or t(lang, "brand")
    out: list[sh.Shape] = [
        *_name(PAD, 24, name, 13, c["text"], inner, bold=True, lines=(15, 27), line_size=10)
    ]
    out += sh.stars(PAD, 31, 14, badge.rating, c["star"], c["star_off"])
    if badge.rating is not None:
        out.append(
            _line(PAD + 76, 43, format_rating(badge.rating, lang), 13, c["text"], 40, bold=True)
        )
    out.append(_label(PAD, 60, _count(badge, lang), 11, c["muted"], inner))
    if badge.icon:
        centre = width - PAD - column / 2
        out += sh.tier_icon(badge.icon, centre - 14, 8, 28)
        name = t(lang, badge.icon if badge.icon in TIERS else "partner_short")
        out.append(_label(centre, 56, name, 9, c["text"], column, bold=True, anchor="middle"))
    return out


def _tier(badge: Badge, lang: str, width: int, c: dict) -> list[sh.Shape]:
    x, inner = PAD + 50, width - PAD * 2 - 50
    out: list[sh.Shape] = sh.tier_icon(badge.icon or "provider", PAD, 14, 40)
    out.append(
        _label(x, 24, tier_label(badge.icon or "provider", lang), 13, c["text"], inner, bold=True)
    )
    name = badge.name or t(lang, "brand")
    out += _name(x, 42, name, 12, c["text"], inner, bold=False, lines=(37, 47.5), line_size=9.5)
    if badge.rating is None:
        out.append(_label(x, 60, t(lang, "no_reviews"), 11, c["muted"], inner))
        return out
    out.append(sh.Polygon(sh.star_points(x + 6, 56, 6), c["star"]))
    summary = f"{format_rating(badge.rating, lang)} · {_count(badge, lang)}"
    out.append(_label(x + 15, 60, summary, 11, c["muted"], inner - 15))
    return out


def _compact(badge: Badge, lang: str, width: int, c: dict) -> list[sh.Shape]:
    chip = 52
    out: list[sh.Shape] = [sh.Rect(0.5, 0.5, chip, 23, c["chip"], 6)]
    out.append(sh.Polygon(sh.star_points(13, 12, 7), c["chip_star"]))
    rating = format_rating(badge.rating, lang) if badge.rating is not None else "–"
    out.append(_line(23, 16.5, rating, 12, c["chip_text"], chip - 22, bold=True))
    icon = 18 if badge.icon else 0
    out.append(_label(chip + 8, 16.5, _count(badge, lang), 11, c["text"], width - chip - 14 - icon))
    if badge.icon:
        out += sh.tier_icon(badge.icon, width - 6 - 16, 4, 16)
    return out


def _cta(lang: str, width: int, top: int, c: dict) -> list[sh.Shape]:
    return [
        sh.Rect(6, top, width - 12, CTA_HEIGHT - 5, c["cta"], 4),
        _label(
            width / 2,
            top + 13.5,
            t(lang, "cta"),
            11,
            c["cta_text"],
            width - 16,
            bold=True,
            anchor="middle",
        ),
    ]


def build_tier_icon(tier: str, options: Options) -> Scene:
    """The standalone icon of ``tier`` with its name under it."""
    width, height = TIER_ICON_SIZE
    colours = PALETTES[options.theme]
    label = tier_label(tier, options.lang)
    name = t(options.lang, tier) if tier in TIERS else label
    shapes_ = [
        *sh.tier_icon(tier, 8, 4, 48),
        _label(width / 2, 72, name, 11, colours["text"], width, bold=True, anchor="middle"),
    ]
    return Scene(width, height, options.scale, label, options.lang, tuple(shapes_))
