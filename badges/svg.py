"""Serialize a laid-out badge to SVG from a fixed template: allowlisted elements, escaped values."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from . import shapes as sh
from .fonts import SVG_FONT_FAMILY
from .scene import Scene

SVG_NS = "http://www.w3.org/2000/svg"
# The only elements and attributes a badge may contain (tests parse every output against this).
ALLOWED: dict[str, frozenset[str]] = {
    "svg": frozenset({"xmlns", "width", "height", "viewBox", "role", "aria-label"}),
    "title": frozenset(),
    "g": frozenset({"font-family"}),
    "rect": frozenset({"x", "y", "width", "height", "rx", "fill", "stroke", "stroke-width"}),
    "circle": frozenset({"cx", "cy", "r", "fill"}),
    "polygon": frozenset({"points", "fill"}),
    "text": frozenset({"x", "y", "fill", "font-size", "font-weight", "text-anchor"}),
}


def _n(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _open(name: str, **attrs: str | float | None) -> str:
    """The inside of an allowlisted start tag; attribute values are XML-escaped."""
    allowed = ALLOWED[name]
    parts = [name]
    for key, value in attrs.items():
        attr = key.rstrip("_").replace("_", "-")
        if value is None:
            continue
        if attr not in allowed:
            raise ValueError(f"attribute {attr!r} is not allowed on <{name}>")
        rendered = _n(value) if isinstance(value, int | float) else str(value)
        parts.append(f"{attr}={quoteattr(rendered)}")
    return " ".join(parts)


def _element(name: str, text: str | None = None, **attrs: str | float | None) -> str:
    """One allowlisted element; attribute values and text are XML-escaped."""
    opening = _open(name, **attrs)
    if text is None:
        return f"<{opening}/>"
    return f"<{opening}>{escape(text)}</{name}>"


def _shape(shape: sh.Shape) -> str:
    if isinstance(shape, sh.Rect):
        return _element(
            "rect",
            x=shape.x,
            y=shape.y,
            width=shape.w,
            height=shape.h,
            rx=shape.r or None,
            fill=shape.fill,
            stroke=shape.stroke,
            stroke_width=1 if shape.stroke else None,
        )
    if isinstance(shape, sh.Circle):
        return _element("circle", cx=shape.cx, cy=shape.cy, r=shape.r, fill=shape.fill)
    if isinstance(shape, sh.Polygon):
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.points)
        return _element("polygon", points=points, fill=shape.fill)
    return _element(
        "text",
        shape.text,
        x=shape.x,
        y=shape.y,
        fill=shape.fill,
        font_size=shape.size,
        font_weight="bold" if shape.bold else None,
        text_anchor=None if shape.anchor == "start" else shape.anchor,
    )


def to_svg(scene: Scene) -> bytes:
    """The scene as a standalone SVG document (UTF-8)."""
    width, height = scene.pixel_size
    body = "".join(_shape(shape) for shape in scene.shapes)
    root = _open(
        "svg",
        xmlns=SVG_NS,
        width=width,
        height=height,
        viewBox=f"0 0 {scene.width} {scene.height}",
        role="img",
        aria_label=scene.label,
    )
    title = _element("title", scene.label)
    group = _open("g", font_family=SVG_FONT_FAMILY)
    return f"<{root}>{title}<{group}>{body}</g></svg>".encode()
