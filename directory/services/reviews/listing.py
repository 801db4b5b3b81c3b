"""The review section of a profile: rating summary, star histogram, filters and one page.

One query reads the short columns of every approved review (newest first); the summary, the
histogram, the service of each review and the filtered, paginated id list are computed from it,
then a second query loads the page's reviews. The figures always match the reviews listed under
them.

A review's service is the one its author chose (``Review.service``). Reviews without one
(written before the field existed, imported without it, or "Other / not listed") fall back to
the agency's services their text names, so older reviews stay reachable by the filter
(docs/reviews.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import select

from ... import geo, taxonomy
from ...db import db
from ...listings import RatingSummary
from ...models import Review

REVIEWS_PER_PAGE = 10
STARS = (5, 4, 3, 2, 1)
# Rating dimensions shown as bars: (summary attribute, top of its scale).
DIMENSIONS = (("quality", 5), ("schedule", 5), ("cost", 5), ("refer", 10))
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class ReviewQuery:
    """What the visitor asked for: a star rating, a service, a page."""

    rating: int | None = None
    service: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ReviewQuery:
        """Read ``?rating=&service=&page=``; values that mean nothing are dropped, not errors."""
        rating = (args.get("rating") or "").strip()
        service = (args.get("service") or "").strip()
        try:
            page = int(args.get("page") or 1)
        except ValueError:
            page = 1
        return cls(
            rating=int(rating) if rating in {"1", "2", "3", "4", "5"} else None,
            service=service if service in taxonomy.SERVICES else None,
            page=page,
        )

    @property
    def filtered(self) -> bool:
        return self.rating is not None or self.service is not None

    def args(self, **changes) -> dict:
        """URL values of this query with ``changes`` (None drops a value; page 1 is implied)."""
        values = {"rating": self.rating, "service": self.service, "page": self.page, **changes}
        if values["page"] == 1:
            values["page"] = None
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class StarBar:
    """One row of the histogram: how many reviews gave ``stars``, and their share."""

    stars: int
    count: int
    percent: int


@dataclass(frozen=True)
class ReviewListing:
    """Everything the review section shows."""

    summary: RatingSummary
    histogram: list[StarBar]
    services: list[tuple[str, int]]  # (slug, reviews about it), most reviewed first
    query: ReviewQuery  # as applied: a service no review is about is dropped
    total: int  # reviews matching the filters
    pages: int
    reviews: list[Review] = field(default_factory=list)

    @property
    def first(self) -> int:
        """Position of the page's first review among the matching ones (1-based)."""
        return (self.query.page - 1) * REVIEWS_PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return self.first + len(self.reviews) - 1 if self.reviews else 0


def review_listing(agency_id: int, services: Iterable[str], query: ReviewQuery):
    """The review section for ``query``, or None when its page does not exist."""
    rows = db.session.execute(
        select(
            Review.id,
            Review.rating,
            Review.quality,
            Review.schedule,
            Review.cost,
            Review.willing_to_refer,
            Review.service,
            Review.title,
            Review.body,
        )
        .where(Review.agency_id == agency_id, Review.status == "approved")
        .order_by(Review.submitted_on.desc(), Review.id.desc())
    ).all()
    services = tuple(services)
    mentions = {row.id: _services_of(row, services) for row in rows}
    offered = _service_counts(mentions.values())
    if query.service not in dict(offered):
        query = ReviewQuery(query.rating, None, query.page)
    matching = [
        row.id
        for row in rows
        if query.rating in (None, row.rating)
        and (query.service is None or query.service in mentions[row.id])
    ]
    pages = max(1, math.ceil(len(matching) / REVIEWS_PER_PAGE))
    if not 1 <= query.page <= pages:
        return None
    start = (query.page - 1) * REVIEWS_PER_PAGE
    return ReviewListing(
        summary=_summary(rows),
        histogram=_histogram(rows),
        services=offered,
        query=query,
        total=len(matching),
        pages=pages,
        reviews=_load(matching[start : start + REVIEWS_PER_PAGE]),
    )


def _summary(rows) -> RatingSummary:
    """Count and averages, each over the reviews that gave that dimension."""

    def mean(values):
        given = [v for v in values if v is not None]
        return sum(given) / len(given) if given else None

    return RatingSummary(
        len(rows),
        mean(r.rating for r in rows),
        mean(r.quality for r in rows),
        mean(r.schedule for r in rows),
        mean(r.cost for r in rows),
        mean(r.willing_to_refer for r in rows),
    )


def _histogram(rows) -> list[StarBar]:
    """Reviews per star rating, 5 down to 1; shares rounded to whole percents."""
    counts = {stars: 0 for stars in STARS}
    for row in rows:
        counts[row.rating] += 1
    total = len(rows) or 1
    return [StarBar(stars, counts[stars], round(100 * counts[stars] / total)) for stars in STARS]


def _load(ids: list[int]) -> list[Review]:
    """The reviews with these ids, in the order given."""
    if not ids:
        return []
    found = {r.id: r for r in db.session.scalars(select(Review).where(Review.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _service_counts(mentions: Iterable[set[str]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for slugs in mentions:
        for slug in slugs:
            counts[slug] = counts.get(slug, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _services_of(row, services: Iterable[str]) -> set[str]:
    """The service the reviewer chose; without one, the agency's services the text names."""
    if row.service:
        return {row.service}
    return _mentioned(row, services)


def _mentioned(row, services: Iterable[str]) -> set[str]:
    """The agency's services a review names (label in either language, or a synonym)."""
    text = f" {_words(row.title or '')} {_words(row.body or '')} "
    return {slug for slug in services if any(p in text for p in _phrases(slug))}


@cache
def _phrases(slug: str) -> tuple[str, ...]:
    term = taxonomy.SERVICES.get(slug)
    if term is None:
        return ()
    names = (term.en, term.fr, *term.synonyms)
    return tuple(f" {words} " for words in map(_words, names) if words)


def _words(text: str) -> str:
    """Folded words joined by single spaces, so phrases match on word boundaries."""
    return " ".join(_WORD.findall(geo.fold(text)))
