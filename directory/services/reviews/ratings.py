"""Rating aggregates of agencies, recomputed from their approved reviews (docs/ratings.md)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ...db import db
from ...models import Agency, Review

CHUNK = 500  # ids per IN (…) list; far below every database's bound-parameter limit
AGGREGATES = (
    "review_count",
    "rating_avg",
    "quality_avg",
    "schedule_avg",
    "cost_avg",
    "refer_avg",
    "bayesian_score",
)


# The aggregates of an agency without approved reviews (its bayesian_score depends on the prior).
EMPTY = {"review_count": 0, **dict.fromkeys(AGGREGATES[1:-1])}


def bayesian_score(rating_sum: float, count: int, prior_mean: float, prior_weight: float) -> float:
    """Average rating pulled toward the prior mean, as if ``prior_weight`` reviews gave it."""
    return (prior_weight * prior_mean + rating_sum) / (prior_weight + count)


def aggregate(reviews: Iterable[dict]) -> dict:
    """The aggregate columns for a set of approved reviews held in memory (new agencies)."""
    mean, weight = prior()
    reviews = list(reviews)
    n = len(reviews)
    if not n:
        return {**EMPTY, "bayesian_score": bayesian_score(0, 0, mean, weight)}
    total = sum(r["rating"] for r in reviews)

    def avg(key: str) -> float | None:
        values = [r[key] for r in reviews if r.get(key) is not None]
        return sum(values) / len(values) if values else None

    return {
        "review_count": n,
        "rating_avg": total / n,
        "quality_avg": avg("quality"),
        "schedule_avg": avg("schedule"),
        "cost_avg": avg("cost"),
        "refer_avg": avg("willing_to_refer"),
        "bayesian_score": bayesian_score(total, n, mean, weight),
    }


def prior() -> tuple[float, float]:
    """The Bayesian prior ``(mean, weight)`` from the configuration."""
    config = current_app.config
    return float(config.get("RATING_PRIOR_MEAN", 3.5)), float(config.get("RATING_PRIOR_WEIGHT", 5))


def compute_ratings(agency_ids: Iterable[int]) -> dict[int, dict]:
    """The aggregate columns of each agency, from one grouped query per chunk of ids."""
    ids = list(dict.fromkeys(agency_ids))
    mean, weight = prior()
    empty = {**EMPTY, "bayesian_score": bayesian_score(0, 0, mean, weight)}
    result = {agency_id: dict(empty) for agency_id in ids}
    for start in range(0, len(ids), CHUNK):
        stmt = (
            select(
                Review.agency_id,
                func.count(Review.id),
                func.sum(Review.rating),
                func.avg(Review.quality),
                func.avg(Review.schedule),
                func.avg(Review.cost),
                func.avg(Review.willing_to_refer),
            )
            .where(Review.status == "approved", Review.agency_id.in_(ids[start : start + CHUNK]))
            .group_by(Review.agency_id)
        )
        for agency_id, count, total, quality, schedule, cost, refer in db.session.execute(stmt):
            result[agency_id] = {
                "review_count": count,
                "rating_avg": float(total) / count,
                "quality_avg": _float(quality),
                "schedule_avg": _float(schedule),
                "cost_avg": _float(cost),
                "refer_avg": _float(refer),
                "bayesian_score": bayesian_score(float(total), count, mean, weight),
            }
    return result


def _float(value) -> float | None:
    return None if value is None else float(value)


def refresh_ratings(agency_ids: Iterable[int]) -> dict[int, dict]:
    """Recompute and store the aggregates of many agencies (part of the caller's transaction).

    Writes with a plain UPDATE that leaves ``version`` alone: a new review must not make an
    owner's open profile form stale.
    """
    values = compute_ratings(agency_ids)
    if values:
        table = Agency.__table__
        stmt = (
            update(table)
            .where(table.c.id == bindparam("agency_id"))
            .values({name: bindparam(name) for name in AGGREGATES})
        )
        rows = [{"agency_id": agency_id, **aggregates} for agency_id, aggregates in values.items()]
        for start in range(0, len(rows), CHUNK):
            db.session.execute(stmt, rows[start : start + CHUNK])
    return values


def refresh_rating(agency: Agency) -> None:
    """Recompute one agency's aggregates from its approved reviews (caller commits)."""
    db.session.flush()
    aggregates = refresh_ratings([agency.id])[agency.id]
    for name, value in aggregates.items():
        # Mirror the stored values without marking the object dirty (no version bump).
        set_committed_value(agency, name, value)
