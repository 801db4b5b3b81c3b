"""Counting for agency insights: per-process buffers of (agency, day, metric, host) counters.

The hot paths (badge images, search results, profiles) only add to a dict under a lock; a
timer thread writes the buffer every ``INSIGHTS_FLUSH_SECONDS`` in one multi-row upsert
(``count = count + excluded.count``), and so does the process at exit. Workers each keep their
own buffer: the upsert adds, so their counts sum in the table. A crash loses at most those
seconds of counts.

Privacy: no cookie is read or set, nothing about the visitor is kept (no IP, no user agent, no
full Referer): robots are skipped by user agent, and a Referer is reduced to its host name.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ...db import db, today
from ...models import Agency
from ...models.stats import HOST_MAX, AgencyDailyStat
from ..leads.privacy import months_ago
from .bots import is_robot

log = logging.getLogger(__name__)
FLUSH_ENTRIES = 2000  # distinct keys buffered before a write, whatever the time
OTHER_HOSTS = "*"  # where the sites past INSIGHTS_HOSTS_PER_DAY of an agency's day go
_HOST = re.compile(rf"[a-z0-9.-]{{1,{HOST_MAX}}}")
# Result pages of this site (search, service landings): a profile opened from one is a click
# from search. Typed searches are not among them: their result links carry ``sq`` and are
# counted by ``count_search_click`` on an uncached redirect.
_SEARCH_PATH = re.compile(r"/[a-z]{2}/(?:search|services/.+)")
_TYPED = re.compile(r"(?:^|&)q=[^&]")
PER_HOST = ("badge_views", "referrals")


class _Buffer:
    """Counts waiting to be written. An agency is an id, or a slug (badges) resolved at flush."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.timer: threading.Timer | None = None
        self.apps: set[int] = set()  # apps whose exit flush is registered

    def add(self, app: Flask, items: Iterable[tuple[tuple, int]]) -> None:
        with self.lock:
            counts = self.counts
            for key, n in items:
                counts[key] += n
            if self.timer is not None and len(counts) < FLUSH_ENTRIES:
                return  # the common case: a write is already scheduled
            now = self._schedule(app, len(counts) >= FLUSH_ENTRIES)
        if now:
            self.flush(app)

    def _schedule(self, app: Flask, full: bool) -> bool:
        """Under the lock: start the flush timer; True when the caller must write at once."""
        delay = float(app.config["INSIGHTS_FLUSH_SECONDS"])
        if delay > 0 and id(app) not in self.apps:
            self.apps.add(id(app))
            atexit.register(self.flush, app)  # what is still buffered at a normal exit
        if full or delay <= 0:
            return True
        self.timer = threading.Timer(delay, self.flush, args=(app,))
        self.timer.daemon = True
        self.timer.start()
        return False

    def take(self) -> Counter:
        with self.lock:
            counts, self.counts = self.counts, Counter()
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
        return counts

    def flush(self, app: Flask) -> int:
        """Write what is buffered; returns how many counter rows it touched."""
        counts = self.take()
        if not counts:
            return 0
        with app.app_context():
            try:
                return _write(counts, int(app.config["INSIGHTS_HOSTS_PER_DAY"]))
            except SQLAlchemyError:
                # Insights never break a page; these counts are lost, and logged.
                log.exception("insights: %d counters not written", len(counts))
                return 0


_buffer = _Buffer()


def _resolve(counts: Counter, conn) -> Counter:
    """Counts keyed by agency id: badge slugs looked up in one query (unknown ones dropped)."""
    slugs = {key[0] for key in counts if isinstance(key[0], str)}
    ids = {}
    if slugs:
        rows = conn.execute(select(Agency.slug, Agency.id).where(Agency.slug.in_(slugs)))
        ids = dict(rows.all())
    resolved: Counter = Counter()
    for (agency, day, metric, host), n in counts.items():
        agency = ids.get(agency) if isinstance(agency, str) else agency
        if agency is not None:
            resolved[(agency, day, metric, host)] += n
    return resolved


def _cap_hosts(counts: Counter, conn, cap: int) -> Counter:
    """Past ``cap`` sites per agency, day and metric, new sites count under "other"."""
    groups = {(a, d, m) for a, d, m, h in counts if h}
    if not groups:
        return counts
    table = AgencyDailyStat
    stored = conn.execute(
        select(table.agency_id, table.day, table.metric, table.host).where(
            tuple_(table.agency_id, table.day, table.metric).in_(list(groups))
        )
    )
    known: dict[tuple, set[str]] = {group: set() for group in groups}
    for agency, day, metric, host in stored:
        known[(agency, day, metric)].add(host)
    capped: Counter = Counter()
    for (agency, day, metric, host), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        hosts = known.get((agency, day, metric))
        if host and hosts is not None and host not in hosts:
            if len(hosts - {OTHER_HOSTS}) >= cap:
                host = OTHER_HOSTS
            hosts.add(host)
        capped[(agency, day, metric, host)] += n
    return capped


def _write(counts: Counter, cap: int) -> int:
    """One upsert adding every buffered count to its row, on its own connection."""
    table = AgencyDailyStat.__table__
    with db.engine.begin() as conn:
        counts = _cap_hosts(_resolve(counts, conn), conn, cap)
        rows = [
            {"agency_id": a, "day": d, "metric": m, "host": h, "count": n}
            for (a, d, m, h), n in counts.items()
        ]
        if not rows:
            return 0
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(table)
        keys = [table.c.agency_id, table.c.day, table.c.metric, table.c.host]
        # Sorted so that two workers flushing at once lock rows in the same order (no deadlock).
        rows.sort(key=lambda r: (r["agency_id"], r["day"], r["metric"], r["host"]))
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=keys, set_={"count": table.c.count + insert.excluded["count"]}
            ),
            rows,
        )
    return len(rows)


# --- Recording (hot paths) ---------------------------------------------------------------------


@lru_cache(maxsize=2048)
def normalize_host(value: str | None) -> str:
    """The host of a URL in lower case, without port, ``www.`` or a trailing dot; "" if none."""
    if not value:
        return ""
    try:
        host = (urlsplit(value).hostname or "").rstrip(".")
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    return host if _HOST.fullmatch(host) else ""


def _visitor(environ: dict) -> bool:
    """True for a request worth counting: a person's browser, not a robot."""
    # The WSGI environ directly: a third of the cost of ``request.headers`` on the badge path.
    return not is_robot(environ.get("HTTP_USER_AGENT"))


def count_badge_view(slug: str) -> None:
    """Count a badge shown on another site (``slug`` of a listed agency), per embedding host."""
    environ = request.environ
    if _visitor(environ):
        key = (slug, today(), "badge_views", normalize_host(environ.get("HTTP_REFERER")))
        _buffer.add(current_app._get_current_object(), ((key, 1),))


def count_appearances(ranks: Iterable[tuple[int, int]]) -> None:
    """Count result cards shown: (agency id, rank from 1) for each card of the page."""
    if not _visitor(request.environ):
        return
    day, items = today(), []
    for agency_id, rank in ranks:
        items.append(((agency_id, day, "appearances", ""), 1))
        items.append(((agency_id, day, "position_sum", ""), rank))
        if rank <= 10:
            items.append(((agency_id, day, "top10", ""), 1))
        if rank <= 3:
            items.append(((agency_id, day, "top3", ""), 1))
    if items:
        _buffer.add(current_app._get_current_object(), items)


def count_profile_view(agency_id: int) -> None:
    """Count a profile page served; from a result page also a search click, from another
    site also a referral from that site's host."""
    environ = request.environ
    if not _visitor(environ):
        return
    day = today()
    keys = [((agency_id, day, "views", ""), 1)]
    referer = environ.get("HTTP_REFERER")
    host = normalize_host(referer)
    if host and host == normalize_host(request.host_url):
        parts = urlsplit(referer)
        if _SEARCH_PATH.fullmatch(parts.path) and not _TYPED.search(parts.query):
            keys.append(((agency_id, day, "search_clicks", ""), 1))
    elif host:
        keys.append(((agency_id, day, "referrals", host), 1))
    _buffer.add(current_app._get_current_object(), keys)


def count_search_click(agency_id: int) -> None:
    """Count a profile opened from the results of a typed search (its link carries ``sq``)."""
    if _visitor(request.environ):
        key = (agency_id, today(), "search_clicks", "")
        _buffer.add(current_app._get_current_object(), ((key, 1),))


def flush_insights() -> int:
    """Write the buffered counts now (tests, the bench, process exit)."""
    return _buffer.flush(current_app._get_current_object())


def stored_total(agency_id: int, metric: str) -> int:
    """All-time total of one counter of an agency (tests and checks)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(AgencyDailyStat.count), 0)).where(
            AgencyDailyStat.agency_id == agency_id, AgencyDailyStat.metric == metric
        )
    )
    return int(total or 0)


def purge_old_insights(now: dt.datetime | None = None) -> int:
    """Delete counters older than ``INSIGHTS_RETENTION_MONTHS`` (a daily job); how many."""
    cutoff = months_ago(int(current_app.config["INSIGHTS_RETENTION_MONTHS"]), now).date()
    result = db.session.execute(delete(AgencyDailyStat).where(AgencyDailyStat.day < cutoff))
    db.session.commit()
    return result.rowcount or 0
