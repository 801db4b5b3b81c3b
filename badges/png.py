"""Rasterize a laid-out badge with Pillow and the shipped fonts (the CTFd social-image model)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from . import shapes as sh
from .fonts import font
from .scene import Scene

_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


def _supersampling(scale: float) -> int:
    """Shapes are drawn larger then reduced, since Pillow does not anti-alias polygons."""
    return 3 if scale < 2 else 2  # 4x looked no better and cost twice as much


def _draw_shapes(scene: Scene, size: tuple[int, int], scale: float) -> Image.Image:
    factor = _supersampling(scale)
    k = scale * factor
    layer = Image.new("RGBA", (size[0] * factor, size[1] * factor), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for shape in scene.shapes:
        if isinstance(shape, sh.Rect):
            box = (
                shape.x * k,
                shape.y * k,
                (shape.x + shape.w) * k - 1,
                (shape.y + shape.h) * k - 1,
            )
            outline = shape.stroke if shape.stroke else None
            draw.rounded_rectangle(
                box,
                radius=shape.r * k,
                fill=shape.fill,
                outline=outline,
                width=max(1, round(k)) if outline else 0,
            )
        elif isinstance(shape, sh.Circle):
            box = (
                (shape.cx - shape.r) * k,
                (shape.cy - shape.r) * k,
                (shape.cx + shape.r) * k,
                (shape.cy + shape.r) * k,
            )
            draw.ellipse(box, fill=shape.fill)
        elif isinstance(shape, sh.Polygon) and len(shape.points) >= 3:
            draw.polygon([(x * k, y * k) for x, y in shape.points], fill=shape.fill)
    return layer.resize(size, Image.Resampling.BOX)


def to_png(scene: Scene, factor: int = 1) -> bytes:
    """The scene as a PNG of exactly ``pixel_size × factor`` pixels (``factor`` 2 for 2x)."""
    width, height = scene.pixel_size
    size = (width * factor, height * factor)
    scale = size[0] / scene.width
    image = _draw_shapes(scene, size, scale)
    draw = ImageDraw.Draw(image)
    for shape in scene.shapes:
        if isinstance(shape, sh.Text) and shape.text:
            draw.text(
                (shape.x * scale, shape.y * scale),
                shape.text,
                fill=shape.fill,
                font=font(shape.size * scale, shape.bold),
                anchor=_ANCHORS[shape.anchor],
            )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()
