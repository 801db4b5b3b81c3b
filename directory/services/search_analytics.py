"""Search analytics for program administrators: what people search, find nothing for, never open.

Privacy by construction: a search adds one to a counter of (day, normalised query); a click
on a result adds one to the same row's click counter. No IP, user id, cookie or session is
read or stored, queries that look like personal data (an email address, a phone or account
number) are not stored at all, and rows older than ``SEARCH_LOG_RETENTION_MONTHS`` are deleted
by the daily jobs.

Writes stay off the search path: counts gather in a per-process buffer and are written in one
multi-row upsert every ``SEARCH_LOG_FLUSH_SECONDS`` (by a timer thread), when the buffer
reaches ``FLUSH_ENTRIES`` keys, and when the process exits. A crash loses at most those
seconds of counts, which is fine for trends.
"""

from __future__ import annotations

import atexit
import csv
import datetime as dt
import io
import logging
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ..db import db, today
from ..models.search_log import QUERY_MAX, SearchQueryStat
from .leads.privacy import months_ago

log = logging.getLogger(__name__)
FLUSH_ENTRIES = 500  # distinct (day, query) keys buffered before a write, whatever the time
TOP = 50  # rows per list on the page and in the export
# Not search terms but someone's data: an email address, or six digits in a row (a phone,
# an order or account number).
_PERSONAL = re.compile(r"@|\d[\d .-]{4,}\d")
_SPACES = re.compile(r"\s+")


def normalize_query(text: str | None) -> str | None:
    """The query as stored: NFKC, lower case, single spaces, at most 100 characters; None for
    an empty query or one that looks like personal data."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = _SPACES.sub(" ", text).strip().casefold()[:QUERY_MAX].strip()
    if not text or _PERSONAL.search(text):
        return None
    return text


# --- Recording ---------------------------------------------------------------------------------


class _Buffer:
    """Counts waiting to be written, per (day, query): [searches, zero results, clicks]."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.timer: threading.Timer | None = None
        self.apps: set[int] = set()  # apps whose exit flush is registered

    def add(self, app: Flask, key: tuple[dt.date, str], searches: int, zero: int, clicks: int):
        delay = float(app.config["SEARCH_LOG_FLUSH_SECONDS"])
        with self.lock:
            if delay > 0 and id(app) not in self.apps:
                self.apps.add(id(app))
                atexit.register(self.flush, app)  # what is still buffered at a normal exit
            row = self.counts[key]
            row[0] += searches
            row[1] += zero
            row[2] += clicks
            full = len(self.counts) >= FLUSH_ENTRIES
            if not full and delay > 0 and self.timer is None:
                self.timer = threading.Timer(delay, self.flush, args=(app,))
                self.timer.daemon = True
                self.timer.start()
        if full or delay <= 0:
            self.flush(app)

    def take(self) -> dict:
        with self.lock:
            counts, self.counts = self.counts, defaultdict(lambda: [0, 0, 0])
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        return counts

    def flush(self, app: Flask) -> int:
        """Write what is buffered; returns how many (day, query) rows it touched."""
        counts = self.take()
        if counts:
            with app.app_context():
                try:
                    _write(counts)
                except SQLAlchemyError:
                    # Analytics never break a search; these counts are lost, and logged.
                    log.exception("search analytics: %d counts not written", len(counts))
                    return 0
        return len(counts)


_buffer = _Buffer()


def _write(counts: dict) -> None:
    """Searches: one upsert adding to each row. Clicks alone only add to an existing row, so a
    crafted link cannot create queries nobody searched for."""
    table = SearchQueryStat.__table__
    searched = [
        {"day": d, "query": q, "searches": s, "zero_results": z, "clicks": c}
        for (d, q), (s, z, c) in counts.items()
        if s
    ]
    clicked = [{"d": d, "q": q, "c": c} for (d, q), (s, _, c) in counts.items() if c and not s]
    # Its own connection and transaction: never the request's session.
    with db.engine.begin() as conn:
        if searched:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            insert = dialect.insert(table)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[table.c.day, table.c.query],
                    set_={
                        name: table.c[name] + insert.excluded[name]
                        for name in ("searches", "zero_results", "clicks")
                    },
                ),
                searched,
            )
        if clicked:
            conn.execute(
                update(table)
                .where(table.c.day == bindparam("d"), table.c.query == bindparam("q"))
                .values(clicks=table.c.clicks + bindparam("c")),
                clicked,
            )


def record_search(text: str | None, total: int) -> None:
    """Count a search for ``text`` that found ``total`` agencies (buffered)."""
    query = normalize_query(text)
    if query is not None:
        app = current_app._get_current_object()
        _buffer.add(app, (today(), query), 1, 1 if total == 0 else 0, 0)


def record_click(text: str | None) -> None:
    """Count a visitor opening a result of a search for ``text`` (buffered)."""
    query = normalize_query(text)
    if query is not None:
        _buffer.add(current_app._get_current_object(), (today(), query), 0, 0, 1)


def flush_search_log() -> int:
    """Write the buffered counts now (tests, the bench, process exit)."""
    return _buffer.flush(current_app._get_current_object())


def purge_old_search_stats(now: dt.datetime | None = None) -> int:
    """Delete rows older than ``SEARCH_LOG_RETENTION_MONTHS`` (a daily job); returns how many."""
    cutoff = months_ago(int(current_app.config["SEARCH_LOG_RETENTION_MONTHS"]), now).date()
    result = db.session.execute(delete(SearchQueryStat).where(SearchQueryStat.day < cutoff))
    db.session.commit()
    return result.rowcount or 0


# --- Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRow:
    """Totals of one query over the period."""

    query: str
    searches: int
    zero_results: int
    clicks: int


@dataclass(frozen=True)
class WeekRow:
    """Totals of one ISO week (``start`` is its Monday)."""

    start: dt.date
    searches: int
    zero_results: int
    clicks: int


@dataclass(frozen=True)
class SearchReport:
    """What the analytics page shows for the weeks since ``since``."""

    since: dt.date
    top: list[QueryRow]
    zero: list[QueryRow]
    unopened: list[QueryRow]
    weeks: list[WeekRow]

    @property
    def busiest_week(self) -> int:
        """The most searches in one week (the chart's scale)."""
        return max((w.searches for w in self.weeks), default=0)


def _per_query(since: dt.date):
    searches = func.sum(SearchQueryStat.searches)
    zero = func.sum(SearchQueryStat.zero_results)
    clicks = func.sum(SearchQueryStat.clicks)
    query = (
        select(SearchQueryStat.query, searches, zero, clicks)
        .where(SearchQueryStat.day >= since)
        .group_by(SearchQueryStat.query)
    )
    return query, searches, zero, clicks


def _rows(query) -> list[QueryRow]:
    return [QueryRow(*row) for row in db.session.execute(query.limit(TOP))]


def search_report(weeks: int, on: dt.date | None = None) -> SearchReport:
    """Top queries, queries with no result, queries whose results nobody opened, and the
    weekly trend, over the last ``weeks`` weeks (the current one included)."""
    on = on or today()
    since = on - dt.timedelta(days=on.weekday() + 7 * (weeks - 1))
    query, searches, zero, clicks = _per_query(since)
    top = _rows(query.order_by(searches.desc(), SearchQueryStat.query))
    empty = _rows(query.having(zero > 0).order_by(zero.desc(), SearchQueryStat.query))
    unopened = _rows(
        query.having(searches > zero, clicks == 0).order_by(
            (searches - zero).desc(), SearchQueryStat.query
        )
    )
    by_day = db.session.execute(
        select(
            SearchQueryStat.day,
            func.sum(SearchQueryStat.searches),
            func.sum(SearchQueryStat.zero_results),
            func.sum(SearchQueryStat.clicks),
        )
        .where(SearchQueryStat.day >= since)
        .group_by(SearchQueryStat.day)
    )
    totals: dict[dt.date, list[int]] = {
        since + dt.timedelta(weeks=n): [0, 0, 0] for n in range(weeks)
    }
    for day, s, z, c in by_day:
        week = totals[day - dt.timedelta(days=day.weekday())]
        week[0] += s
        week[1] += z
        week[2] += c
    trend = [WeekRow(start, *values) for start, values in sorted(totals.items())]
    return SearchReport(since, top, empty, unopened, trend)


EXPORTS = ("top", "zero", "unopened", "weeks")


def report_csv(report: SearchReport, kind: str) -> str:
    """One list of the report as CSV (``kind`` in ``EXPORTS``), safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    if kind == "weeks":
        writer.writerow(["week_start", "searches", "zero_results", "clicks"])
        for w in report.weeks:
            writer.writerow([w.start.isoformat(), w.searches, w.zero_results, w.clicks])
    else:
        writer.writerow(["query", "searches", "zero_results", "clicks"])
        for row in getattr(report, kind):
            writer.writerow([_cell(row.query), row.searches, row.zero_results, row.clicks])
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) would run as a formula (OWASP CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
