"""Server-rendered SVG charts: data in, a geometry model out (the template draws it).

Pure functions, no Flask: a chart is a frozen dataclass holding every coordinate the
``templates/insights/_chart.html`` macro needs, plus the table that repeats the figures for
screen readers and for anyone who prefers numbers. The viewBox is fixed and the SVG scales to
its container (width 100%), so one geometry serves a 390 px phone and a desktop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 420
HEIGHT = 240
# Room for the y-axis labels on the left and the x-axis labels below the plot.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 14, 14, 34
# Line charts keep their first and last points (and labels) this far inside the plot.
LINE_INSET = 22
# More x labels would overlap on a phone: every n-th one is drawn (the table keeps all).
MAX_X_LABELS = 5
SERIES_CLASSES = ("chart-series-1", "chart-series-2", "chart-series-3", "chart-series-4")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and rectangle in viewBox units."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Series:
    """One line: its name, values (None = no data), polyline segments and markers."""

    name: str
    values: tuple[float | None, ...]
    segments: tuple[str, ...]
    markers: tuple[tuple[float, float], ...]
    css_class: str


@dataclass(frozen=True)
class Tick:
    """A labelled gridline (y) or axis label (x)."""

    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything a template needs to draw a chart and its data table."""

    kind: str
    title: str
    unit: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    x_labels: tuple[Tick, ...]
    bars: tuple[Bar, ...] = ()
    series: tuple[Series, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, tuple[float | None, ...]], ...] = ()

    @property
    def empty(self) -> bool:
        """True when there is no figure above zero to show."""
        return not any(value for _, values in self.rows for value in values)

    @property
    def peak(self) -> float | None:
        """The highest figure shown (None when there is none), for the SVG's description."""
        present = [v for _, values in self.rows for v in values if v is not None]
        return max(present, default=None)


def format_number(value: float | None) -> str:
    """A compact figure: integers without decimals, others with one."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its step (1, 2 or 5 × 10^k, ≤ 5 steps)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step * 5 >= value:
            break
    if step < 1 and value >= 1:
        step = 1.0
    return math.ceil(value / step - 1e-9) * step, step


def _frame(maximum: float) -> dict:
    """The plot box, y ticks and x labels shared by both chart kinds."""
    left, top = MARGIN_LEFT, MARGIN_TOP
    right, bottom = WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM
    top_value, step = nice_ceiling(maximum)
    ticks = []
    count = round(top_value / step)
    for n in range(count + 1):
        value = n * step
        ticks.append(Tick(bottom - (bottom - top) * value / top_value, format_number(value)))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": left,
        "top": top,
        "right": right,
        "bottom": bottom,
        "y_ticks": tuple(ticks),
        "scale": (bottom - top) / top_value,
    }


def _thin(labels: Sequence[str], positions: Sequence[float]) -> tuple[Tick, ...]:
    """Every label, or every n-th one (keeping the last) when they would overlap."""
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    last = len(labels) - 1
    keep = [n for n in range(len(labels)) if (last - n) % every == 0]
    return tuple(Tick(positions[n], labels[n]) for n in keep)


def bar_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> Chart:
    """A bar per (label, value) point, e.g. one per week."""
    labels = [label for label, _ in points]
    values = [max(0.0, float(value or 0)) for _, value in points]
    frame = _frame(max(values, default=0))
    scale = frame.pop("scale")
    slot = (frame["right"] - frame["left"]) / max(1, len(points))
    width = slot * 0.7
    bars, centres = [], []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = frame["left"] + slot * n + (slot - width) / 2
        height = value * scale
        bars.append(
            Bar(
                label,
                value,
                round(x, 2),
                round(frame["bottom"] - height, 2),
                round(width, 2),
                round(height, 2),
            )
        )
        centres.append(round(x + width / 2, 2))
    return Chart(
        kind="bar", title=title, unit=unit, **frame,
        x_labels=_thin(labels, centres), bars=tuple(bars), columns=(title,),
        rows=tuple((label, (value,)) for label, value in zip(labels, values, strict=True)),
    )  # fmt: skip


def _segments(xs: Sequence[float], ys: Sequence[float | None]) -> tuple[str, ...]:
    """Polyline point lists, broken where a value is missing (no data is not zero)."""
    segments, current = [], []
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        current.append(f"{x:g},{y:g}")
    if current:
        segments.append(" ".join(current))
    return tuple(segments)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str = "",
) -> Chart:
    """One line per (name, values) series over shared x labels; None leaves a gap."""
    present = [float(v) for _, values in series for v in values if v is not None]
    frame = _frame(max(present, default=0))
    scale = frame.pop("scale")
    count = len(labels)
    left, span = frame["left"] + LINE_INSET, frame["right"] - frame["left"] - 2 * LINE_INSET
    step = span / (count - 1) if count > 1 else 0
    xs = [round(left + (step * n if count > 1 else span / 2), 2) for n in range(count)]
    drawn = []
    for n, (name, values) in enumerate(series):
        values = tuple(None if v is None else max(0.0, float(v)) for v in values)
        ys = [None if v is None else round(frame["bottom"] - v * scale, 2) for v in values]
        markers = tuple((x, y) for x, y in zip(xs, ys, strict=True) if y is not None)
        css = SERIES_CLASSES[n % len(SERIES_CLASSES)]
        drawn.append(Series(name, values, _segments(xs, ys), markers, css))
    rows = tuple((label, tuple(s.values[n] for s in drawn)) for n, label in enumerate(labels))
    return Chart(
        kind="line", title=title, unit=unit, **frame, x_labels=_thin(labels, xs),
        series=tuple(drawn), columns=tuple(s.name for s in drawn), rows=rows,
    )  # fmt: skip
