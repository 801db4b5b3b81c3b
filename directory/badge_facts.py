"""What a badge shows: an agency's facts through a per-process cache, and the snippet builder.

``/badges/<slug>.svg|.png`` read the agency's facts through ``FactsCache``: an entry lives
``BADGE_CACHE_SECONDS`` (default 2) and is dropped at once when this process commits a change to
the agency, its reviews or certifications, so a badge never shows a rating or a tier that is no
longer true for longer than that (and not at all after a change made here).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import OrderedDict
from functools import lru_cache

from flask import Flask, current_app, url_for
from sqlalchemy import bindparam, select

import badges
from badges import NEUTRAL, Badge, Options

from . import changes
from .db import db, today
from .models import Agency, listed_filter
from .urls import profile_url, public_base

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


@lru_cache(maxsize=4)
def _badge_query(on: dt.date):
    """The facts a badge shows, for one slug, and whether it is listed on ``on`` (one per day).

    Unlisted agencies are returned too (``listed`` false), so their cache entry knows the
    agency id and is dropped when that agency changes.
    """
    columns = (
        Agency.id,
        Agency.name,
        Agency.rating_avg,
        Agency.review_count,
        Agency.program,
        Agency.tier,
        listed_filter(on).label("listed"),
    )
    return select(*columns).where(Agency.slug == bindparam("slug")).limit(1)


def _query_facts(slug: str) -> tuple[int | None, Badge]:
    """(agency id or None, badge facts) from the database, under today's listing rule."""
    # A bare connection, not the ORM session: one read of a few columns on the hot path.
    with db.engine.connect() as conn:
        row = conn.execute(_badge_query(today()), {"slug": slug}).first()
    if row is None:
        return None, NEUTRAL
    if not row.listed:
        return row.id, NEUTRAL
    return row.id, Badge.of(row.name, row.rating_avg, row.review_count, row.program, row.tier)


class FactsCache:
    """Badge facts per slug for ``ttl`` seconds, LRU-bounded, dropped on local commits.

    Entries remember the agency id (None for an unknown slug) and the day they were read (the
    listing rule depends on the date). ``invalidate(ids)`` drops those agencies' entries and
    every unknown-slug entry (a new or renamed agency may now own one of those slugs), and
    bumps a generation so that a read that was in flight during the commit is not stored.
    Thread-safe: lookups are single dict operations; writes take a lock.
    """

    def __init__(self, ttl: float = 2.0, maxsize: int = 10_000, clock=time.monotonic):
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self.generation = 0
        self._entries: OrderedDict[str, tuple[float, dt.date, int | None, Badge]] = OrderedDict()
        self._slugs: dict[int | None, set[str]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, slug: str, on: dt.date) -> Badge:
        """The facts for ``slug`` today, from the cache when fresh, else from the database."""
        entry = self._entries.get(slug)
        if entry is not None and entry[0] > self.clock() and entry[1] == on:
            try:  # noqa: SIM105 - the cheapest form on the hot path
                self._entries.move_to_end(slug)
            except KeyError:  # dropped meanwhile by another thread; the entry read is fine
                pass
            return entry[3]
        generation = self.generation
        agency_id, badge = _query_facts(slug)
        if self.ttl > 0:
            self._store(slug, on, agency_id, badge, generation)
        return badge

    def _store(self, slug, on, agency_id, badge, generation) -> None:
        with self._lock:
            if generation != self.generation:  # a commit landed while we read: don't keep it
                return
            self._forget(slug)
            self._entries[slug] = (self.clock() + self.ttl, on, agency_id, badge)
            self._slugs.setdefault(agency_id, set()).add(slug)
            while len(self._entries) > self.maxsize:
                self._forget(next(iter(self._entries)))

    def _forget(self, slug: str) -> None:
        entry = self._entries.pop(slug, None)
        if entry is not None:
            slugs = self._slugs.get(entry[2])
            if slugs is not None:
                slugs.discard(slug)
                if not slugs:
                    del self._slugs[entry[2]]

    def invalidate(self, agency_ids=None) -> None:
        """Drop these agencies' entries and all unknown-slug entries (``None``: everything)."""
        with self._lock:
            self.generation += 1
            if agency_ids is None:
                self._entries.clear()
                self._slugs.clear()
                return
            for agency_id in (*agency_ids, None):
                for slug in list(self._slugs.get(agency_id, ())):
                    self._forget(slug)


def facts_cache(app: Flask | None = None) -> FactsCache:
    """The app's badge facts cache (one per app and process; ``BADGE_CACHE_SECONDS``)."""
    app = app or current_app._get_current_object()
    cache = app.extensions.get("badge_facts")
    if cache is None:
        ttl = float(app.config.get("BADGE_CACHE_SECONDS", 2.0))
        size = int(app.config.get("BADGE_CACHE_SIZE", 10_000))
        cache = app.extensions.setdefault("badge_facts", FactsCache(ttl, size))
    return cache


def load_badge(slug: str) -> Badge:
    """The agency's badge facts (at most ``BADGE_CACHE_SECONDS`` old), or the neutral badge
    when unknown or not listed."""
    if not SLUG.fullmatch(slug):
        return NEUTRAL
    return facts_cache().get(slug, today())


# -- invalidation: after a commit in this process ---------------------------------------------


def _invalidate(committed: changes.Changes) -> None:
    """Drop the entries of the agencies a commit touched (all of them after a bulk statement)."""
    cache = current_app.extensions.get("badge_facts")
    if cache is not None:
        cache.invalidate(None if committed.everything else set(committed.agency_ids))


def install_invalidation() -> None:
    """Follow this process's commits (the change feed) to drop changed agencies' entries."""
    changes.subscribe(on_commit=_invalidate)


def builder_context_for(
    slug: str, options: Options | None = None, fmt: str = "svg", factor: int = 1
) -> dict:
    """The snippet builder's context for an agency's dashboard (see templates/embed/_builder.html).

    Call it from a view, e.g. ``builder_context_for(agency.slug, Options.parse(request.args))``.
    """
    profiles = {lang: profile_url(slug, lang) for lang in badges.LANGUAGES}
    reviews = {
        lang: public_base() + url_for("reviews.write", lang=lang, slug=slug)
        for lang in badges.LANGUAGES
    }
    return badges.builder_context(
        public_base(),
        profiles,
        slug,
        load_badge(slug),
        options,
        review_urls=reviews,
        fmt=fmt,
        factor=factor,
    )
