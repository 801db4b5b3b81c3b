"""Read side of the public directory: home page counts, what a profile and a result card show.

Every query goes through ``listed_filter``, the one listing rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

from flask import current_app
from sqlalchemy import bindparam, case, distinct, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from . import geo, taxonomy
from .db import db, today
from .geo import WORLD_REGIONS, countries_in
from .models import Agency, AgencyTag, Office, Review, listed_filter
from .urls import LogoURL

T = TypeVar("T")

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


def cached_today(name: str, lock: threading.Lock, compute: Callable[[dt.date], T]) -> T:
    """``compute(today)`` kept in ``app.extensions[name]`` for ``HOME_CACHE_SECONDS``.

    While one request recomputes a stale value (holding ``lock``), concurrent requests get the
    stale one instead of waiting (or piling the same heavy work on the database). A new day
    always recomputes, since the listing rule depends on the date.
    """
    ttl = current_app.config.get("HOME_CACHE_SECONDS", 60)
    cache = current_app.extensions.setdefault(name, {})
    day, now = today(), time.monotonic()
    hit = cache.get(day)
    if ttl and hit and now - hit[0] < ttl:
        return hit[1]
    if hit and not lock.acquire(blocking=False):
        return hit[1]
    try:
        value = compute(day)
        cache.clear()
        cache[day] = (time.monotonic(), value)
    finally:
        if hit:
            lock.release()
    return value


def home_counts() -> HomeCounts:
    """``compute_home_counts``, cached in-process for ``HOME_CACHE_SECONDS`` (default 60;
    ``cached_today``). The counts are the same in every language (labels are applied at
    render time)."""
    return cached_today("public_home_cache", _refreshing, compute_home_counts)


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


# --- result cards: the agencies of search hits --------------------------------------------


@dataclass(slots=True)
class HQ:
    """The headquarters office of a hit: what a card or the API shows."""

    city: str | None
    country: str


@dataclass(slots=True)
class AgencyRow:
    """The columns a result card and the API read, loaded without the ORM's relationship cascade.

    Attribute names match ``Agency`` so templates and macros take either.
    """

    id: int
    slug: str
    name: str
    tagline: str | None
    program: str
    tier: str | None
    rating_avg: float | None
    review_count: int
    logo: dict | None
    headquarters: HQ | None = None
    services: list[str] = field(default_factory=list)

    @property
    def logo_url(self):
        """Logo URL (128 px) as a string, callable for a size (see ``urls.LogoURL``)."""
        return LogoURL(self.logo)

    @property
    def is_partner(self) -> bool:
        """Whether the agency is in the solutions partner program."""
        return self.program == "partner"

    @property
    def tier_rank(self) -> int:
        """Rank used by the ranking policy (Elite 5 … provider 0)."""
        return taxonomy.tier_rank(self.program, self.tier)


_ROW_COLUMNS = (
    Agency.id,
    Agency.slug,
    Agency.name,
    Agency.tagline,
    Agency.program,
    Agency.tier,
    Agency.rating_avg,
    Agency.review_count,
    Agency.logo,
)


@functools.lru_cache(maxsize=8)
def _rows_statement(on: dt.date, dialect: str):
    """The one statement of ``load_agencies``, built once per day and dialect.

    Per listed agency: the card's columns, its headquarters (the marked one, else the first
    office) and its service slugs in profile order joined by spaces (slugs have none).
    """
    headquarters = (
        select(Office.id)
        .where(Office.agency_id == Agency.id)
        .order_by(Office.is_headquarters.desc(), Office.position, Office.id)
        .limit(1)
        .correlate(Agency)
        .scalar_subquery()
    )
    service = (AgencyTag.agency_id == Agency.id) & (AgencyTag.kind == "service")
    if dialect == "postgresql":
        joined = func.string_agg(AgencyTag.value, aggregate_order_by(" ", AgencyTag.position))
        services = select(joined).where(service).correlate(Agency).scalar_subquery()
    else:  # SQLite concatenates in the order of the (ordered) subquery it reads
        ordered = (
            select(AgencyTag.value)
            .where(service)
            .order_by(AgencyTag.position)
            .correlate(Agency)
            .subquery()
        )
        services = select(func.group_concat(ordered.c.value, " ")).scalar_subquery()
    return (
        select(*_ROW_COLUMNS, Office.city, Office.country, services)
        .outerjoin(Office, Office.id == headquarters)
        .where(Agency.id.in_(bindparam("ids", expanding=True)), listed_filter(on))
    )


def load_agencies(ids: Iterable[int]) -> dict[int, AgencyRow]:
    """The listed agencies among ``ids``, by id (a stale index never shows an unlisted one).

    One Core query (the agencies' columns under the listing rule, with their headquarters and
    services as correlated subqueries), no ORM entities: a page of 20 hits costs well under a
    millisecond.
    """
    ids = list(ids)
    if not ids:
        return {}
    conn = db.session.connection()  # Core: no ORM execution context for plain rows
    stmt = _rows_statement(today(), conn.dialect.name)
    agencies = {}
    for *columns, city, country, services in conn.execute(stmt, {"ids": ids}):
        agency = AgencyRow(*columns)
        if country is not None:
            agency.headquarters = HQ(city, country)
        if services:
            agency.services = services.split(" ")
        agencies[agency.id] = agency
    return agencies


def name_and_city_words(limit: int = 5000) -> set[str]:
    """Words of listed agencies' names and cities, folded (for spelling fixes: one query each)."""
    names = db.session.scalars(select(Agency.name).where(listed_filter()).limit(limit))
    cities = db.session.scalars(
        select(Office.city)
        .join(Agency, Agency.id == Office.agency_id)
        .where(Office.city.is_not(None), listed_filter())
        .distinct()
        .limit(limit)
    )
    words: set[str] = set()
    for text in (*names, *cities):
        words.update(geo.fold(w) for w in text.split() if len(w) >= 3)
    return words


def office_places(ids: Iterable[int]) -> dict[int, list[tuple[str | None, str]]]:
    """(city, country) of every office of these agencies, by agency id, in profile order.

    For result cards that say which office matched a place filter: one query, run only
    when a place filter is active.
    """
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Office.agency_id, Office.city, Office.country)
        .where(Office.agency_id.in_(ids))
        .order_by(Office.agency_id, Office.is_headquarters.desc(), Office.position, Office.id)
    )
    found: dict[int, list[tuple[str | None, str]]] = {}
    for agency_id, city, country in rows:
        found.setdefault(agency_id, []).append((city, country))
    return found
