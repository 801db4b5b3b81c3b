"""A validated import line as the writer stores it: its fingerprint and plain value tuples.

Built where lines are checked (a worker process for a large file), so the writing process
adds only ids, slugs, timestamps and, for a new agency, its rating aggregates: no dicts, no
per-value conversions, and a compact form to send between processes. No database here.
"""

from __future__ import annotations

from hashlib import sha256
from operator import itemgetter
from typing import NamedTuple

from ..reviews.ratings import AGGREGATES, bayesian_score
from .record import TAG_FIELDS, AgencyRecord

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
RATING_COLUMNS = AGGREGATES  # the per-agency aggregates, as services.reviews.ratings computes them
TAG_COLUMNS = ("kind", "value", "position")
TAG_KINDS = tuple(kind for kind, _ in TAG_FIELDS.values())  # the record's tag keys, in order
OFFICE_COLUMNS = ("country", "region", "city", "lat", "lng", "is_headquarters", "position")
CERTIFICATION_COLUMNS = ("certificate_id", "issued_on", "expires_on")
# The digest's review columns: ``service`` came later and counts apart (``_review_services_text``).
REVIEW_DIGEST_COLUMNS = (
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
REVIEW_COLUMNS = (*REVIEW_DIGEST_COLUMNS[:-1], "service", "submitted_on")

_profile = itemgetter(*PROFILE_COLUMNS)
_office = itemgetter(*OFFICE_COLUMNS)
_review = itemgetter(*REVIEW_COLUMNS[:-1])  # submitted_on is stored as text
_review_digest = itemgetter(*REVIEW_DIGEST_COLUMNS[:-1])


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
    case_studies: tuple[dict, ...] | None = None  # None: the line leaves them as they are


def record_digest(record: AgencyRecord) -> str:
    """sha256 of the validated record: equal digests mean nothing to write.

    The record is what the writer stores (normalized text, typed values, lists in their
    order), so the ``repr`` of its parts in a fixed order is a canonical form: key order,
    whitespace, escapes or NFC differences in the line do not change it, and ignored unknown
    fields do not count. ``repr`` of these plain types (str, int, float, bool, None, date)
    is exact and deterministic.

    The text is ``repr((external_id, columns, slug, tags, offices, certification,
    reviews))`` of the record's dicts and lists (``canonical_text``), written here with
    format strings whose keys are fixed: a third cheaper than ``repr`` of the dicts (no
    key rendered per line, each date rendered once), and the same characters, so the
    digests of HASH_VERSION 2 stay valid (tests compare both forms).
    """
    certification = record.certification
    text = _RECORD_FORMAT % (
        record.external_id,
        _COLUMNS_FORMAT % _profile(record.columns),
        record.slug,
        _TAGS_FORMAT % _tag_lists(record.tags),
        ", ".join([_OFFICE_FORMAT % _office(office) for office in record.offices]),
        "None"
        if certification is None
        else _CERTIFICATION_FORMAT
        % (
            certification["certificate_id"],
            _date_repr(certification["issued_on"]),
            _date_repr(certification["expires_on"]),
        ),
        ", ".join(
            [
                _REVIEW_FORMAT % (*_review_digest(review), _date_repr(review["submitted_on"]))
                for review in record.reviews
            ]
        ),
    )
    return _digest(text + _case_studies_text(record) + _review_services_text(record))


def canonical_text(record: AgencyRecord) -> str:
    """The text ``record_digest`` hashes, by ``repr`` of the record's parts (the reference)."""
    return (
        repr(
            (
                record.external_id,
                record.columns,
                record.slug,
                record.tags,
                record.offices,
                record.certification,
                [{key: review[key] for key in REVIEW_DIGEST_COLUMNS} for review in record.reviews],
            )
        )
        + _case_studies_text(record)
        + _review_services_text(record)
    )


def _case_studies_text(record: AgencyRecord) -> str:
    """Case studies count only when the line has them: older lines keep their digests."""
    return "" if record.case_studies is None else f"\ncase_studies={record.case_studies!r}"


def _review_services_text(record: AgencyRecord) -> str:
    """Review services count only when a review has one: older lines keep their digests."""
    services = [review.get("service") for review in record.reviews]
    return f"\nreview_services={services!r}" if any(services) else ""


def _digest(text: str) -> str:
    return sha256(f"{HASH_VERSION}\n{text}".encode()).hexdigest()


def _dict_format(keys: tuple[str, ...], rendered: tuple[str, ...] = ()) -> str:
    """A %-format writing a dict with these keys, in order, as ``repr`` does.

    Values of the ``rendered`` keys are given as text already (``%s``), the others as
    values (``%r``).
    """
    items = ", ".join(f"{key!r}: {'%s' if key in rendered else '%r'}" for key in keys)
    return "{" + items + "}"


def _date_repr(date) -> str:
    """``repr`` of a date, cached: it formats slowly, and the same few thousand dates recur."""
    text = _DATE_REPRS.get(date)
    if text is None:
        text = repr(date)
        if len(_DATE_REPRS) < 100_000:
            _DATE_REPRS[date] = text
    return text


_DATE_REPRS: dict = {}
_RECORD_FORMAT = "(%r, %s, %r, %s, [%s], %s, [%s])"
_COLUMNS_FORMAT = _dict_format(PROFILE_COLUMNS)
_TAGS_FORMAT = _dict_format(TAG_KINDS)
_OFFICE_FORMAT = _dict_format(OFFICE_COLUMNS)
_CERTIFICATION_FORMAT = _dict_format(CERTIFICATION_COLUMNS, ("issued_on", "expires_on"))
_REVIEW_FORMAT = _dict_format(REVIEW_DIGEST_COLUMNS, ("submitted_on",))
_tag_lists = itemgetter(*TAG_KINDS)


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
        None if record.case_studies is None else tuple(record.case_studies),
    )


def rating_aggregates(reviews: tuple[tuple, ...], prior: tuple[float, float]) -> tuple:
    """RATING_COLUMNS of a new agency, from its reviews (REVIEW_COLUMNS, all approved).

    The same arithmetic, in the same order, as ``services.reviews.ratings.aggregate`` (a test holds
    them equal), on tuples and with the prior ``(mean, weight)`` read once per batch.
    """
    mean, weight = prior
    n = len(reviews)
    if not n:
        return (0, None, None, None, None, None, bayesian_score(0, 0, mean, weight))
    total = sum([r[_RATING] for r in reviews])
    return (
        n,
        total / n,
        _average([r[_QUALITY] for r in reviews]),
        _average([r[_SCHEDULE] for r in reviews]),
        _average([r[_COST] for r in reviews]),
        _average([r[_REFER] for r in reviews]),
        bayesian_score(total, n, mean, weight),
    )


_RATING, _QUALITY, _SCHEDULE, _COST, _REFER = (
    REVIEW_COLUMNS.index(name)
    for name in ("rating", "quality", "schedule", "cost", "willing_to_refer")
)


def _average(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
