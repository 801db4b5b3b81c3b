"""An agency's performance over time: charts, tables and a CSV of its insights counters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Response, render_template
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ...auth import member_agency
from ...charts import bar_chart, line_chart
from ...services.insights.queries import Period, agency_insights, insights_csv
from .blueprint import bp

# (key, caption, kind, figures): one chart per entry, for the weeks and for the months.
CHARTS = (
    ("views", _l("Profile views"), "bar", ("views",)),
    ("appearances", _l("Appearances in search results"), "bar", ("appearances",)),
    ("position", _l("Average position in search results (1 is first)"), "line",
     ("average_position",)),
    ("top", _l("Appearances in the top 3 and top 10"), "line", ("top3", "top10")),
    ("clicks", _l("Profiles opened from search results"), "bar", ("search_clicks",)),
    ("badges", _l("Badge impressions and visits from other sites"), "line",
     ("badge_views", "referrals")),
    ("leads", _l("Contact requests and match proposals"), "line",
     ("contact_requests", "match_proposals")),
    ("reviews", _l("Reviews published"), "bar", ("reviews",)),
    ("rating", _l("Average rating of the reviews published"), "line", ("average_rating",)),
)  # fmt: skip
FIGURE_NAMES = {
    "views": _l("Profile views"),
    "appearances": _l("Appearances"),
    "average_position": _l("Average position"),
    "top3": _l("Top 3"),
    "top10": _l("Top 10"),
    "search_clicks": _l("Clicks from search"),
    "badge_views": _l("Badge impressions"),
    "referrals": _l("Visits from other sites"),
    "contact_requests": _l("Contact requests"),
    "match_proposals": _l("Match proposals"),
    "reviews": _l("Reviews"),
    "average_rating": _l("Average rating"),
}


def _charts(periods: list[Period], label: Callable[[dt.date], str]) -> list[tuple]:
    """(key, caption, chart) for each entry of ``CHARTS`` over these periods."""
    labels = [label(period.start) for period in periods]
    charts = []
    for key, caption, kind, figures in CHARTS:
        if kind == "bar":
            points = [(x, p.figures[figures[0]] or 0) for x, p in zip(labels, periods, strict=True)]
            chart = bar_chart(points, title=str(FIGURE_NAMES[figures[0]]))
        else:
            series = [(str(FIGURE_NAMES[f]), [p.figures[f] for p in periods]) for f in figures]
            chart = line_chart(labels, series, title=str(caption))
        charts.append((key, caption, chart))
    return charts


@bp.get("/agencies/<slug>/performance")
@login_required
def insights(slug: str):
    """Profile views, search, badges, leads and reviews over the last 12 weeks and months."""
    found = member_agency(slug)
    report = agency_insights(found.id)
    return render_template(
        "dashboard/insights.html",
        agency=found,
        report=report,
        weekly=_charts(report.weeks, lambda day: format_date(day, "d MMM")),
        monthly=_charts(report.months, lambda day: format_date(day, "MMM yy")),
        figure_names=FIGURE_NAMES,
    )


@bp.get("/agencies/<slug>/insights.csv")
@login_required
def insights_export(slug: str):
    """The same figures as CSV, for a spreadsheet."""
    found = member_agency(slug)
    body = insights_csv(agency_insights(found.id))
    filename = f"{found.slug}-performance.csv"
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
