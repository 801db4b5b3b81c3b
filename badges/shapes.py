"""Vector art shared by the SVG and PNG output: stars and tier icons, as polygons and circles.

Tiers differ by shape (Gold medal, Platinum shield, Diamond lozenge, Elite crown), not only by
colour, and their name is always written beside or under the icon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    """A rectangle with rounded corners (``r``), optionally outlined."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    r: float = 0
    stroke: str | None = None


@dataclass(frozen=True)
class Circle:
    """A filled disc."""

    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Polygon:
    """A filled polygon."""

    points: tuple[Point, ...]
    fill: str


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is the baseline, ``anchor`` is start, middle or end."""

    x: float
    y: float
    text: str
    size: float
    fill: str
    bold: bool = False
    anchor: str = "start"


Shape = Rect | Circle | Polygon | Text

TIER_COLOURS = {
    "gold": "#a86f00",
    "platinum": "#5b6b7c",
    "diamond": "#0969a8",
    "elite": "#6f42c1",
    "partner": "#1a7f37",
    "provider": "#57606a",
}


def star_points(cx: float, cy: float, r: float) -> tuple[Point, ...]:
    """A five-pointed star pointing up, centred on (cx, cy), outer radius ``r``."""
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.42
        angle = math.radians(-90 + 36 * i)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return tuple(points)


def clip_left(points: tuple[Point, ...], x_max: float) -> tuple[Point, ...]:
    """The part of a polygon left of ``x = x_max`` (Sutherland–Hodgman against one edge)."""
    out: list[Point] = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        inside_now, inside_before = current[0] <= x_max, previous[0] <= x_max
        if inside_now != inside_before:
            ratio = (x_max - previous[0]) / (current[0] - previous[0])
            out.append((x_max, previous[1] + ratio * (current[1] - previous[1])))
        if inside_now:
            out.append(current)
    return tuple(out)


def stars(x: float, y: float, size: float, rating: float | None, on: str, off: str) -> list[Shape]:
    """Five stars from (x, y), ``size`` wide each, filled in proportion to ``rating``."""
    shapes: list[Shape] = []
    filled = 0.0 if rating is None else max(0.0, min(5.0, round(rating, 1)))
    for i in range(5):
        cx, cy = x + size * i + size / 2, y + size / 2
        points = star_points(cx, cy, size * 0.48)
        fraction = max(0.0, min(1.0, filled - i))
        if fraction < 1:
            shapes.append(Polygon(points, off))
        if fraction >= 1:
            shapes.append(Polygon(points, on))
        elif fraction > 0:
            left = cx - size * 0.48 + fraction * size * 0.96
            shapes.append(Polygon(clip_left(points, left), on))
    return shapes


def _scaled(unit_points: tuple[Point, ...], x: float, y: float, size: float) -> tuple[Point, ...]:
    return tuple((x + px * size, y + py * size) for px, py in unit_points)


# Outlines drawn in a unit square.
_SHIELD = ((0.12, 0.06), (0.88, 0.06), (0.88, 0.52), (0.5, 0.96), (0.12, 0.52))
_LOZENGE = ((0.5, 0.02), (0.96, 0.5), (0.5, 0.98), (0.04, 0.5))
_CROWN = (
    (0.04, 0.86),
    (0.04, 0.22),
    (0.28, 0.48),
    (0.5, 0.1),
    (0.72, 0.48),
    (0.96, 0.22),
    (0.96, 0.86),
)
_HEXAGON = tuple(
    (
        0.5 + 0.48 * math.cos(math.radians(60 * i - 90)),
        0.5 + 0.48 * math.sin(math.radians(60 * i - 90)),
    )
    for i in range(6)
)


def tier_icon(kind: str, x: float, y: float, size: float) -> list[Shape]:
    """The icon of ``kind`` (a tier, "partner" or "provider") in the square at (x, y)."""
    colour = TIER_COLOURS.get(kind, TIER_COLOURS["provider"])
    if kind == "gold":
        outline: list[Shape] = [
            Circle(x + size / 2, y + size / 2, size * 0.48, colour),
            Circle(x + size / 2, y + size / 2, size * 0.38, "#c98f12"),
        ]
    elif kind == "platinum":
        outline = [Polygon(_scaled(_SHIELD, x, y, size), colour)]
    elif kind == "diamond":
        outline = [Polygon(_scaled(_LOZENGE, x, y, size), colour)]
    elif kind == "elite":
        outline = [Polygon(_scaled(_CROWN, x, y, size), colour)]
    elif kind == "partner":
        outline = [Polygon(_scaled(_HEXAGON, x, y, size), colour)]
    else:
        outline = [
            Rect(x + size * 0.06, y + size * 0.06, size * 0.88, size * 0.88, colour, size * 0.18)
        ]
    centre_y = y + size * (0.42 if kind == "platinum" else 0.56 if kind == "elite" else 0.5)
    return [*outline, Polygon(star_points(x + size / 2, centre_y, size * 0.2), "#ffffff")]
