"""Read side of the public directory: the home page's counts and what a profile shows.

Every query goes through ``listed_filter``, the one listing rule.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from functools import cache

from flask import current_app
from sqlalchemy import case, distinct, func, select

from .db import db, today
from .geo import WORLD_REGIONS, countries_in
from .models import Agency, AgencyTag, Office, Review, listed_filter

REVIEWS_PER_PAGE = 20


@dataclass(frozen=True)
class HomeCounts:
    """Language-independent aggregates shown on the home page."""

    agencies: int = 0
    reviews: int = 0
    by_service: dict[str, int] = field(default_factory=dict)
    by_country: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)

    @property
    def countries(self) -> int:
        """How many countries have at least one listed agency's office."""
        return len(self.by_country)


@cache
def _continent_of_country() -> dict[str, str]:
    return {code: region for region in WORLD_REGIONS for code in countries_in(region)}


def compute_home_counts(on: dt.date | None = None) -> HomeCounts:
    """Count listed agencies overall, per service, per office country and per world region.

    Four aggregate queries over indexed columns, whatever the number of agencies. An agency
    with offices in two countries of one region counts once for that region.
    """
    listed_ids = select(Agency.id).where(listed_filter(on))
    agencies, reviews = db.session.execute(
        select(func.count(Agency.id), func.coalesce(func.sum(Agency.review_count), 0)).where(
            Agency.id.in_(listed_ids)
        )
    ).one()
    by_service = db.session.execute(
        select(AgencyTag.value, func.count())
        .where(AgencyTag.kind == "service", AgencyTag.agency_id.in_(listed_ids))
        .group_by(AgencyTag.value)
    ).all()
    by_country = dict(
        db.session.execute(
            select(Office.country, func.count(distinct(Office.agency_id)))
            .where(Office.agency_id.in_(listed_ids))
            .group_by(Office.country)
        ).all()
    )
    return HomeCounts(
        agencies=agencies,
        reviews=int(reviews),
        by_service=dict(by_service),
        by_country=by_country,
        by_region=_region_counts(listed_ids, by_country),
    )


def _region_counts(listed_ids, by_country: dict[str, int]) -> dict[str, int]:
    """Distinct listed agencies per world region (an agency counts once per region).

    The SQL CASE maps only the countries that have offices: one over every country on Earth
    is several times slower on SQLite.
    """
    continent = _continent_of_country()
    mapping = {code: continent[code] for code in by_country if code in continent}
    if not mapping:
        return {}
    # Grouped through a subquery: PostgreSQL would not match a CASE with bound parameters in
    # the SELECT list to its copy in GROUP BY.
    offices = (
        select(Office.agency_id, case(mapping, value=Office.country).label("region"))
        .where(Office.agency_id.in_(listed_ids), Office.country.in_(list(mapping)))
        .subquery()
    )
    rows = db.session.execute(
        select(offices.c.region, func.count(distinct(offices.c.agency_id))).group_by(
            offices.c.region
        )
    ).all()
    return dict(rows)


_refreshing = threading.Lock()


def home_counts() -> HomeCounts:
    """``compute_home_counts``, cached in-process for ``HOME_CACHE_SECONDS`` (default 60).

    The counts are the same in every language (labels are applied at render time). While one
    request recomputes stale counts, concurrent requests get the stale ones instead of waiting
    (or piling the same heavy queries on the database). A new day always recomputes, since the
    listing rule depends on the date.
    """
    ttl = current_app.config.get("HOME_CACHE_SECONDS", 60)
    cache = current_app.extensions.setdefault("public_home_cache", {})
    day, now = today(), time.monotonic()
    hit = cache.get(day)
    if ttl and hit and now - hit[0] < ttl:
        return hit[1]
    if hit and not _refreshing.acquire(blocking=False):
        return hit[1]
    try:
        counts = compute_home_counts(day)
        cache.clear()
        cache[day] = (time.monotonic(), counts)
    finally:
        if hit:
            _refreshing.release()
    return counts


def listed_agency(slug: str) -> Agency | None:
    """The listed agency with this slug (offices, tags and certifications loaded), or None."""
    return db.session.scalar(select(Agency).where(Agency.slug == slug, listed_filter()))


@dataclass(frozen=True)
class RatingSummary:
    """Averages over an agency's approved reviews (None when no review gave that dimension)."""

    count: int = 0
    rating: float | None = None
    quality: float | None = None
    schedule: float | None = None
    cost: float | None = None
    refer: float | None = None


def _approved(agency_id: int):
    return (Review.agency_id == agency_id, Review.status == "approved")


def rating_summary(agency_id: int) -> RatingSummary:
    """Count and averages of the approved reviews, computed from the reviews themselves.

    Computed live rather than read from the agency's stored aggregates so the figures always
    match the reviews listed under them.
    """
    row = db.session.execute(
        select(
            func.count(Review.id),
            func.avg(Review.rating),
            func.avg(Review.quality),
            func.avg(Review.schedule),
            func.avg(Review.cost),
            func.avg(Review.willing_to_refer),
        ).where(*_approved(agency_id))
    ).one()
    values = [float(v) if v is not None else None for v in row[1:]]
    return RatingSummary(row[0], *values)


def approved_reviews(agency_id: int, page: int = 1) -> list[Review]:
    """One page of approved reviews, newest first."""
    offset = (max(page, 1) - 1) * REVIEWS_PER_PAGE
    stmt = (
        select(Review)
        .where(*_approved(agency_id))
        .order_by(Review.submitted_on.desc(), Review.id.desc())
        .limit(REVIEWS_PER_PAGE)
        .offset(offset)
    )
    return list(db.session.scalars(stmt))
