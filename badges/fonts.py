"""The fonts shipped in ``badges/fonts`` (DejaVu Sans, Bitstream Vera licence)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
# What the SVG asks the viewer's browser for; DejaVu first so both outputs match where it exists,
# then metric-compatible fallbacks (widths are measured with DejaVu, the widest of them).
SVG_FONT_FAMILY = "DejaVu Sans,Verdana,Geneva,sans-serif"


@lru_cache(maxsize=64)
def font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The shipped font at ``size`` pixels."""
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)


@lru_cache(maxsize=4096)
def measure(text: str, size: float, bold: bool = False) -> float:
    """The advance width of ``text`` in pixels at ``size``."""
    return font(size, bold).getlength(text)
