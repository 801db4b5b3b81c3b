"""Program-wide charts for administrators: listed agencies by tier, expiring certifications,
leads and reviews per week.

No daily snapshot of the listing exists, so ``listed_by_tier`` reconstructs each week from what
the database keeps: certification dates (from verification, or issue for imports, to expiry),
agency creation dates, and the audit log's program, tier and suspension changes walked back
from today's state. docs/insights.md lists what that misses.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from flask_babel import format_date
from sqlalchemy import and_, func, select

from ...charts import Chart, Tick, line_chart
from ...db import db, today
from ...models import Agency, AuditEntry, Certification, Lead, Review

WEEKS_OF_LISTING = 52
WEEKS_OF_ACTIVITY = 12
EXPIRY_WINDOWS = (30, 60, 90)
# Categories of the listing chart, highest first (provider = not in the partner program).
CATEGORIES = ("elite", "diamond", "platinum", "gold", "partner", "provider")
STATE_ACTIONS = ("admin.program_changed", "admin.suspended", "admin.reinstated")


@dataclass(frozen=True)
class WeeklyCounts:
    """Counts per week (the weeks' Mondays, oldest first) for each named series."""

    weeks: list[dt.date]
    series: dict[str, list[int]]


def category(program: str | None, tier: str | None) -> str:
    """The chart category of a program and tier."""
    if program != "partner":
        return "provider"
    return tier if tier in CATEGORIES else "partner"


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def _day(value: dt.datetime | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    return value


def _mondays(on: dt.date, count: int) -> list[dt.date]:
    last = week_start(on)
    return [last - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def _cert_spans(since: dt.date) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """Per agency, the days its verified certifications covered (ending on or after ``since``)."""
    # Core rows, not ORM ones: a whole program's certifications, read in one pass.
    rows = db.session.connection().execute(
        select(
            Certification.agency_id,
            Certification.verified_at,
            Certification.issued_on,
            Certification.expires_on,
        ).where(Certification.status == "verified", Certification.expires_on >= since)
    )
    spans: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for agency_id, verified_at, issued_on, expires_on in rows:
        start = max(_day(verified_at) or issued_on, issued_on)
        spans[agency_id].append((start, expires_on))
    return spans


def _state_changes(since: dt.datetime) -> dict[int, list[tuple[dt.date, dict]]]:
    """Per agency, the audit log's state changes since ``since``, newest first (day, before)."""
    rows = db.session.execute(
        select(AuditEntry.agency_id, AuditEntry.at, AuditEntry.before)
        .where(
            AuditEntry.action.in_(STATE_ACTIONS),
            AuditEntry.at >= since,
            AuditEntry.agency_id.is_not(None),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    changes: dict[int, list[tuple[dt.date, dict]]] = defaultdict(list)
    for agency_id, at, before in rows:
        changes[agency_id].append((_day(at), before or {}))
    return changes


def _state_on(current: dict, changes: list[tuple[dt.date, dict]], day: dt.date) -> dict:
    """The agency's (program, tier, status) on ``day``: today's, undone back to that day."""
    state = dict(current)
    for changed_on, before in changes:  # newest first
        if changed_on <= day:
            break
        state.update({k: v for k, v in before.items() if k in ("program", "tier", "status")})
    return state


def _ranges(
    days: list[dt.date], created: dt.date, spans: list[tuple[dt.date, dt.date]]
) -> list[tuple[int, int]]:
    """Merged index ranges [low, high) of the ``days`` when the agency existed and was certified."""
    found = sorted((bisect_left(days, max(a, created)), bisect_right(days, b)) for a, b in spans)
    merged: list[tuple[int, int]] = []
    for low, high in found:
        if low >= high:
            continue
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def listed_by_tier(on: dt.date | None = None, weeks: int = WEEKS_OF_LISTING) -> WeeklyCounts:
    """Agencies listed at the end of each of the last ``weeks`` weeks, per tier (reconstructed).

    ``weeks`` of the result are the weeks' Mondays; the count is of the week's Sunday (today for
    the current week).
    """
    on = on or today()
    mondays = _mondays(on, weeks)
    # Counted on each week's last day; the current week's on ``on``, so a new listing shows.
    days = [min(monday + dt.timedelta(days=6), on) for monday in mondays]
    spans = _cert_spans(days[0])
    changes = _state_changes(dt.datetime.combine(days[0], dt.time(), tzinfo=dt.UTC))
    # Difference arrays: an agency without state changes costs one step per range, not per week.
    diff = {name: [0] * (len(days) + 1) for name in CATEGORIES}
    certified = select(Certification.agency_id).where(
        Certification.status == "verified", Certification.expires_on >= days[0]
    )
    agencies = db.session.connection().execute(
        select(Agency.id, Agency.created_at, Agency.program, Agency.tier, Agency.status).where(
            Agency.id.in_(certified)
        )
    )
    for agency_id, created_at, program, tier, status in agencies:
        current = {"program": program, "tier": tier, "status": status}
        history = changes.get(agency_id)
        for low, high in _ranges(days, _day(created_at), spans.get(agency_id, [])):
            # With state changes, each week is looked at on its own; else the range is one step.
            steps = [(n, n + 1) for n in range(low, high)] if history else [(low, high)]
            for n, stop in steps:
                state = _state_on(current, history, days[n]) if history else current
                if state.get("status") == "published":
                    column = diff[category(state.get("program"), state.get("tier"))]
                    column[n] += 1
                    column[stop] -= 1
    return WeeklyCounts(mondays, {name: list(accumulate(d[:-1])) for name, d in diff.items()})


def expiring_filter(days: int, on: dt.date | None = None):
    """Agencies whose last verified certification expires within ``days`` days (SQL criterion)."""
    on = on or today()
    latest = (
        select(func.max(Certification.expires_on))
        .where(Certification.agency_id == Agency.id, Certification.status == "verified")
        .scalar_subquery()
    )
    return and_(latest >= on, latest <= on + dt.timedelta(days=days))


def expiring_counts(on: dt.date | None = None) -> dict[int, int]:
    """Agencies whose certification expires within 30, 60 and 90 days (each includes the less)."""
    on = on or today()
    latest = func.max(Certification.expires_on)
    # One grouped query (the same rule as expiring_filter); only agencies inside 90 days return.
    soon = db.session.scalars(
        select(latest)
        .where(Certification.status == "verified")
        .group_by(Certification.agency_id)
        .having(and_(latest >= on, latest <= on + dt.timedelta(days=max(EXPIRY_WINDOWS))))
    ).all()
    return {
        days: sum(1 for day in soon if _as_date(day) <= on + dt.timedelta(days=days))
        for days in EXPIRY_WINDOWS
    }


def _as_date(value) -> dt.date:
    # SQLite hands back an aggregate of dates as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def activity_by_week(on: dt.date | None = None, weeks: int = WEEKS_OF_ACTIVITY) -> WeeklyCounts:
    """Leads received (spam excluded) and reviews published per week, the last ``weeks``."""
    on = on or today()
    mondays = _mondays(on, weeks)
    index = {monday: n for n, monday in enumerate(mondays)}
    series = {"leads": [0] * weeks, "reviews": [0] * weeks}
    since = dt.datetime.combine(mondays[0], dt.time(), tzinfo=dt.UTC)
    leads = db.session.scalars(
        select(Lead.created_at).where(Lead.created_at >= since, Lead.is_spam.is_(False))
    )
    for created_at in leads:
        n = index.get(week_start(_day(created_at)))
        if n is not None:
            series["leads"][n] += 1
    reviews = db.session.scalars(
        select(Review.submitted_on).where(
            Review.status == "approved", Review.submitted_on >= mondays[0]
        )
    )
    for submitted_on in reviews:
        n = index.get(week_start(submitted_on))
        if n is not None:
            series["reviews"][n] += 1
    return WeeklyCounts(mondays, series)


def week_label(monday: dt.date) -> str:
    """A week by its Monday, short, in the current language ("2 Nov" / "2 nov.")."""
    return format_date(monday, "d MMM")


def _sparse(ticks: tuple[Tick, ...], most: int) -> tuple[Tick, ...]:
    """At most ``most`` axis labels, the last one kept (52 weekly labels would overlap)."""
    every = max(1, -(-len(ticks) // most))
    last = len(ticks) - 1
    return tuple(t for n, t in enumerate(ticks) if (last - n) % every == 0)


def weekly_chart(counts: WeeklyCounts, names: dict[str, str], *, title: str) -> Chart:
    """A line per series (named by ``names``, in its order) over the weeks."""
    labels = [week_label(monday) for monday in counts.weeks]
    series = [(names[key], counts.series[key]) for key in names]
    chart = line_chart(labels, series, title=title)
    if len(labels) > 13:  # a year of weeks: a label about every two months, no dot per week
        dotless = tuple(dataclasses.replace(s, markers=()) for s in chart.series)
        chart = dataclasses.replace(chart, x_labels=_sparse(chart.x_labels, 6), series=dotless)
    if set(names) <= set(CATEGORIES):  # tiers take the colours of their badges
        drawn = tuple(
            dataclasses.replace(s, css_class=f"chart-tier chart-tier-{key}")
            for key, s in zip(names, chart.series, strict=True)
        )
        chart = dataclasses.replace(chart, series=drawn)
    return chart


def weekly_csv(counts: WeeklyCounts, names: dict[str, str]) -> str:
    """The weekly counts as CSV: a row per week (its Monday), a column per series."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["week", *names.values()])
    for n, monday in enumerate(counts.weeks):
        writer.writerow([monday.isoformat(), *(counts.series[key][n] for key in names)])
    return out.getvalue()
