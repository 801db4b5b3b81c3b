"""Server-rendered SVG charts: geometry (pure) and the accessible figure macro."""

from __future__ import annotations

import re

from flask import render_template_string

from directory.charts import (
    HEIGHT,
    MARGIN_BOTTOM,
    bar_chart,
    format_number,
    line_chart,
    nice_ceiling,
)

MACRO = '{% from "insights/_chart.html" import chart %}{{ chart(c, caption) }}'


def test_taller_bars_for_larger_values_on_a_round_axis():
    chart = bar_chart([("W1", 2), ("W2", 7), ("W3", 0)], title="Views")
    heights = [bar.height for bar in chart.bars]
    assert heights[1] > heights[0] > heights[2] == 0
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8"]
    # Bars stand on the x axis.
    assert all(bar.y + bar.height == HEIGHT - MARGIN_BOTTOM for bar in chart.bars)
    assert chart.rows == (("W1", (2.0,)), ("W2", (7.0,)), ("W3", (0.0,)))


def test_every_third_x_label_on_twelve_weeks_keeps_the_last():
    chart = bar_chart([(f"W{n}", n) for n in range(1, 13)], title="Views")
    assert [t.label for t in chart.x_labels] == ["W3", "W6", "W9", "W12"]
    assert len(bar_chart([("a", 1), ("b", 2)], title="T").x_labels) == 2
    assert len(chart.rows) == 12


def test_line_gaps_where_data_is_missing():
    chart = line_chart(
        ["a", "b", "c", "d"],
        [("Average position", [3, None, 5, 4]), ("Top 3", [1, 1, 0, 2])],
        title="Positions",
    )
    first, second = chart.series
    assert len(first.segments) == 2 and len(first.markers) == 3
    assert len(second.segments) == 1 and len(second.markers) == 4
    assert first.css_class != second.css_class
    assert chart.rows[1] == ("b", (None, 1.0))
    assert chart.columns == ("Average position", "Top 3")


def test_empty_data_gives_a_drawable_empty_chart():
    chart = bar_chart([("W1", 0), ("W2", 0)], title="Clicks")
    assert chart.empty and chart.y_ticks[-1].label == "1"
    assert not bar_chart([("W1", 1)], title="Clicks").empty
    assert chart.peak == 0 and line_chart(["a"], [("x", [None])], title="T").peak is None
    assert line_chart([], [], title="None").rows == ()


def test_nice_ceiling_and_number_format():
    assert nice_ceiling(7) == (8, 2)
    assert nice_ceiling(4.5) == (5, 1)
    assert nice_ceiling(130)[0] == 150
    assert format_number(3.0) == "3" and format_number(4.25) == "4.2" and format_number(None) == "–"


def test_figure_has_accessible_svg_and_the_same_figures_in_a_table(app):
    chart = bar_chart([("W1", 2), ("W2", 1234.5)], title="Views")
    with app.test_request_context("/"):
        html = render_template_string(MACRO, c=chart, caption="Profile views")
    assert 'role="img"' in html and "<title id=" in html
    assert "From W1 to W2; highest value: 1,234.5.</desc>" in html
    assert 'viewBox="0 0 ' in html and 'width="100%"' in html
    # Strict CSP (style-src 'self'): no inline style attribute anywhere.
    assert "style=" not in html
    assert "<summary>Data table" in html
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells == ["2", "1,234.5"]
    assert html.count("<rect") == 2


def test_two_charts_on_a_page_have_distinct_ids(app):
    chart = line_chart(["a", "b"], [("x", [1, 2]), ("y", [2, 1])], title="T")
    template = (
        '{% from "insights/_chart.html" import chart %}'
        "{{ chart(c, 'One') }}{{ chart(c, 'Two', 'second') }}"
    )
    with app.test_request_context("/"):
        html = render_template_string(template, c=chart)
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 6
    assert html.count('class="chart-legend"') == 2
