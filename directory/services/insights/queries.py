"""Agency insights, read: weekly and monthly series of an agency's counters, leads and reviews."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ...db import db, today
from ...models import Lead, Review
from ...models.stats import AgencyDailyStat

WEEKS = 12
MONTHS = 12
# The figures of a period, in the order of the page's tables and of the CSV.
FIGURES = (
    "views",
    "appearances",
    "average_position",
    "top3",
    "top10",
    "search_clicks",
    "badge_views",
    "referrals",
    "contact_requests",
    "match_proposals",
    "reviews",
    "average_rating",
)


@dataclass(frozen=True)
class Period:
    """One week (from its Monday) or month (from its first day) and its figures."""

    start: dt.date
    figures: dict[str, float | None]


@dataclass(frozen=True)
class SiteRow:
    """Badge impressions and visits from one other site over the weeks shown."""

    host: str
    badge_views: int
    referrals: int


@dataclass(frozen=True)
class AgencyInsights:
    """What the Performance page shows for one agency."""

    weeks: list[Period]
    months: list[Period]
    sites: list[SiteRow]
    daily: list[tuple[dt.date, str, str, int]]  # (day, metric, host, count), for the CSV


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def _month_starts(on: dt.date, count: int) -> list[dt.date]:
    year, month = on.year, on.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _empty(starts: list[dt.date]) -> dict[dt.date, dict[str, float]]:
    return {start: defaultdict(float) for start in starts}


def _figures(raw: dict[str, float]) -> dict[str, float | None]:
    """Sums turned into the figures shown: averages where there is something to average."""
    appearances, reviews = raw.get("appearances", 0), raw.get("reviews", 0)
    figures: dict[str, float | None] = {name: raw.get(name, 0) for name in FIGURES}
    figures["average_position"] = (
        round(raw.get("position_sum", 0) / appearances, 1) if appearances else None
    )
    figures["average_rating"] = round(raw.get("rating_sum", 0) / reviews, 2) if reviews else None
    return figures


def _rows(agency_id: int, since: dt.date) -> list[tuple[dt.date, str, str, int]]:
    stats = AgencyDailyStat
    query = (
        select(stats.day, stats.metric, stats.host, stats.count)
        .where(stats.agency_id == agency_id, stats.day >= since)
        .order_by(stats.day, stats.metric, stats.host)
    )
    return [tuple(row) for row in db.session.execute(query)]


def _events(agency_id: int, since: dt.date) -> list[tuple[dt.date, str, float]]:
    """(day, figure, amount) for leads received and reviews published since ``since``."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    leads = db.session.execute(
        select(Lead.created_at, Lead.source).where(
            Lead.agency_id == agency_id, Lead.created_at >= start, Lead.is_spam.is_(False)
        )
    )
    events: list[tuple[dt.date, str, float]] = []
    for created_at, source in leads:
        day = created_at.astimezone(dt.UTC).date() if created_at.tzinfo else created_at.date()
        events.append((day, "match_proposals" if source == "match" else "contact_requests", 1))
    reviews = db.session.execute(
        select(Review.submitted_on, Review.rating).where(
            Review.agency_id == agency_id,
            Review.status == "approved",
            Review.submitted_on >= since,
        )
    )
    for day, rating in reviews:
        events.extend([(day, "reviews", 1), (day, "rating_sum", rating)])
    return events


def agency_insights(agency_id: int, on: dt.date | None = None) -> AgencyInsights:
    """The last ``WEEKS`` weeks and ``MONTHS`` months (the current ones included)."""
    on = on or today()
    weeks = [week_start(on) - dt.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    months = _month_starts(on, MONTHS)
    since = min(weeks[0], months[0])
    daily = _rows(agency_id, since)
    by_week, by_month = _empty(weeks), _empty(months)
    sites: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    amounts = [(day, metric, count) for day, metric, _, count in daily]
    for day, name, amount in amounts + _events(agency_id, since):
        if day >= weeks[0]:
            by_week[week_start(day)][name] += amount
        by_month[month_start(day)][name] += amount
    for day, metric, host, count in daily:
        if day >= weeks[0] and metric in ("badge_views", "referrals"):
            sites[host][0 if metric == "badge_views" else 1] += count
    return AgencyInsights(
        weeks=[Period(start, _figures(raw)) for start, raw in by_week.items()],
        months=[Period(start, _figures(raw)) for start, raw in by_month.items()],
        sites=sorted(
            (SiteRow(host, views, visits) for host, (views, visits) in sites.items()),
            key=lambda row: (-row.badge_views - row.referrals, row.host),
        ),
        daily=daily,
    )


def insights_csv(report: AgencyInsights) -> str:
    """Weekly and monthly figures, then the daily counters per site, as CSV (spreadsheet-safe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "start", *FIGURES])
    for kind, periods in (("week", report.weeks), ("month", report.months)):
        for period in periods:
            values = [_number(period.figures[n]) for n in FIGURES]
            writer.writerow([kind, period.start.isoformat(), *values])
    writer.writerow([])
    writer.writerow(["day", "metric", "site", "count"])
    for day, metric, host, count in report.daily:
        if host:
            writer.writerow([day.isoformat(), metric, _cell(host), count])
    return out.getvalue()


def _number(value: float | None) -> str | int | float:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else value


def _cell(text: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) would run as a formula (OWASP CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
