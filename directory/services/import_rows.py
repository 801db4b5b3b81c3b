"""A validated import line as the writer stores it: its fingerprint and plain value tuples.

Built where lines are checked (a worker process for a large file), so the writing process
adds only ids, slugs, timestamps and, for a new agency, its rating aggregates: no dicts, no
per-value conversions, and a compact form to send between processes. No database here.
"""

from __future__ import annotations

from hashlib import sha256
from operator import itemgetter
from typing import NamedTuple

from .import_validation import AgencyRecord

# Bump when validation, normalization or the digest's form changes, so re-importing the same
# file applies it (every agency then counts as updated once).
HASH_VERSION = "2"

# Column order of the tuples in an ``ImportRow`` (the writer names the same columns).
PROFILE_COLUMNS = (
    "name",
    "tagline",
    "description",
    "website",
    "email",
    "phone",
    "founded",
    "team_size",
    "program",
    "tier",
    "status",
    "min_budget_usd",
    "hourly_rate_low_usd",
    "hourly_rate_high_usd",
)
RATING_COLUMNS = (
    "review_count",
    "rating_avg",
    "quality_avg",
    "schedule_avg",
    "cost_avg",
    "refer_avg",
    "bayesian_score",
)
TAG_COLUMNS = ("kind", "value", "position")
OFFICE_COLUMNS = ("country", "region", "city", "lat", "lng", "is_headquarters", "position")
CERTIFICATION_COLUMNS = ("certificate_id", "issued_on", "expires_on")
REVIEW_COLUMNS = (
    "external_id",
    "author_name",
    "author_company",
    "rating",
    "quality",
    "schedule",
    "cost",
    "willing_to_refer",
    "title",
    "body",
    "submitted_on",
)

_profile = itemgetter(*PROFILE_COLUMNS)
_office = itemgetter(*OFFICE_COLUMNS)
_review = itemgetter(*REVIEW_COLUMNS[:-1])  # submitted_on is stored as text


class ImportRow(NamedTuple):
    """One valid line, ready to write. Dates are ISO text (``YYYY-MM-DD``)."""

    external_id: str
    slug: str | None  # as given in the line
    digest: str  # ``record_digest``: equal digests mean nothing to write
    profile: tuple  # PROFILE_COLUMNS
    tags: tuple[tuple, ...]  # TAG_COLUMNS
    offices: tuple[tuple, ...]  # OFFICE_COLUMNS
    certification: tuple | None  # CERTIFICATION_COLUMNS
    reviews: tuple[tuple, ...]  # REVIEW_COLUMNS
    warnings: tuple[tuple[str, str], ...]  # (field, reason)


def record_digest(record: AgencyRecord) -> str:
    """sha256 of the validated record: equal digests mean nothing to write.

    The record is what the writer stores (normalized text, typed values, lists in their
    order), built by code in a fixed key order, so its ``repr`` is a canonical form: key
    order, whitespace, escapes or NFC differences in the line do not change it, and ignored
    unknown fields do not count. ``repr`` of these plain types (str, int, float, bool, None,
    date, dict, list) is exact and deterministic, and about five times cheaper than a second
    ``json.dumps(sort_keys=True)`` of the parsed line.
    """
    canonical = repr(
        (
            record.external_id,
            record.columns,
            record.slug,
            record.tags,
            record.offices,
            record.certification,
            record.reviews,
        )
    )
    return sha256(f"{HASH_VERSION}\n{canonical}".encode()).hexdigest()


def to_row(record: AgencyRecord) -> ImportRow:
    """The record as plain tuples in the writer's column order, with its digest."""
    certification = record.certification
    return ImportRow(
        record.external_id,
        record.slug,
        record_digest(record),
        _profile(record.columns),
        tuple(
            (kind, value, position)
            for kind, values in record.tags.items()
            for position, value in enumerate(values)
        ),
        tuple(map(_office, record.offices)),
        None
        if certification is None
        else (
            certification["certificate_id"],
            certification["issued_on"].isoformat(),
            certification["expires_on"].isoformat(),
        ),
        tuple((*_review(r), r["submitted_on"].isoformat()) for r in record.reviews),
        tuple(record.warnings),
    )


def rating_aggregates(reviews: tuple[tuple, ...], prior: tuple[float, float]) -> tuple:
    """RATING_COLUMNS of a new agency, from its reviews (REVIEW_COLUMNS, all approved).

    The same arithmetic, in the same order, as ``services.ratings.aggregate`` (a test holds
    them equal), on tuples and with the prior ``(mean, weight)`` read once per batch.
    """
    mean, weight = prior
    n = len(reviews)
    if not n:
        return (0, None, None, None, None, None, (weight * mean + 0) / (weight + 0))
    total = sum([r[_RATING] for r in reviews])
    return (
        n,
        total / n,
        _average([r[_QUALITY] for r in reviews]),
        _average([r[_SCHEDULE] for r in reviews]),
        _average([r[_COST] for r in reviews]),
        _average([r[_REFER] for r in reviews]),
        (weight * mean + total) / (weight + n),
    )


_RATING, _QUALITY, _SCHEDULE, _COST, _REFER = (
    REVIEW_COLUMNS.index(name)
    for name in ("rating", "quality", "schedule", "cost", "willing_to_refer")
)


def _average(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
