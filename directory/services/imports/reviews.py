"""The reviews of an import line: a fast path for reviews that pass as is, a full check else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...taxonomy import SERVICES
from .fields import SLOW, Checker, date_or_slow, plain_text, short, type_name

_SERVICES = frozenset(SERVICES)


def check_reviews(c: Checker, obj: dict, today: dt.date) -> list[dict]:
    reviews: list[dict] = []
    seen: dict[str, int] = {}
    latest = today + dt.timedelta(days=1)
    for i, rev in enumerate(c.array(obj, "reviews")):
        review = _fast_review(rev, latest)
        if review is not None and review["external_id"] not in seen:
            seen[review["external_id"]] = i
            reviews.append(review)
            continue
        path = f"reviews[{i}]."
        if type(rev) is not dict:
            c.fail(f"reviews[{i}]", f"must be an object, not {type_name(rev)}")
            continue
        review = {
            "external_id": c.text(rev, "external_id", path, 64, required=True),
            "author_name": c.text(rev, "author_name", path, 120, required=True),
            "author_company": c.text(rev, "author_company", path, 120),
            "rating": c.integer(rev, "rating", path, 1, 5, required=True),
            "quality": c.integer(rev, "quality", path, 1, 5),
            "schedule": c.integer(rev, "schedule", path, 1, 5),
            "cost": c.integer(rev, "cost", path, 1, 5),
            "willing_to_refer": c.integer(rev, "willing_to_refer", path, 0, 10),
            "title": c.text(rev, "title", path, 200) or "",
            "body": c.text(rev, "body", path, 5000, multiline=True) or "",
            "submitted_on": c.date(rev, "submitted_on", path, required=True),
            "service": _service(c, rev, path),
        }
        if review["submitted_on"] and review["submitted_on"] > today + dt.timedelta(days=1):
            c.fail(f"{path}submitted_on", "is in the future")
        key = review["external_id"]
        if key is not None and key in seen:
            c.fail(f"{path}external_id", f"duplicates reviews[{seen[key]}].external_id")
        elif key is not None:
            seen[key] = i
        reviews.append(review)
    return reviews


def _service(c: Checker, rev: dict, path: str) -> str | None:
    """The optional taxonomy slug of the service the reviewed project was about."""
    value = rev.get("service")
    if value is None:
        return None
    if type(value) is not str:
        c.fail(f"{path}service", f"must be a string, not {type_name(value)}")
    elif value not in _SERVICES:
        c.fail(f"{path}service", f"unknown service {short(value)}")
    else:
        return value
    return None


def _fast_review(rev: Any, latest: dt.date) -> dict | None:
    """A review every value of which passes as is, or ``None``: the full check then runs.

    The hot path of a large import (several reviews a line): no per-field method calls, no
    problem bookkeeping. It builds the same dict, in the same key order, as ``check_reviews``.
    """
    if type(rev) is not dict:
        return None
    get = rev.get
    rating = get("rating")
    if type(rating) is not int or not 1 <= rating <= 5:
        return None
    for key, high in _REVIEW_SCORES:
        value = get(key)
        if value is not None and (type(value) is not int or not 1 <= value <= high):
            return None
    refer = get("willing_to_refer")
    if refer is not None and (type(refer) is not int or not 0 <= refer <= 10):
        return None
    service = get("service")
    if service is not None and (type(service) is not str or service not in _SERVICES):
        return None
    submitted_on = date_or_slow(get("submitted_on"))
    if submitted_on is SLOW or submitted_on is None or submitted_on > latest:
        return None
    external_id = plain_text(get("external_id"), 64)
    author_name = plain_text(get("author_name"), 120)
    author_company = plain_text(get("author_company"), 120)
    title = plain_text(get("title"), 200)
    body = plain_text(get("body"), 5000, True)
    if (
        external_id is None
        or external_id is SLOW
        or author_name is None
        or author_name is SLOW
        or author_company is SLOW
        or title is SLOW
        or body is SLOW
    ):
        return None
    return {
        "external_id": external_id,
        "author_name": author_name,
        "author_company": author_company,
        "rating": rating,
        "quality": get("quality"),
        "schedule": get("schedule"),
        "cost": get("cost"),
        "willing_to_refer": get("willing_to_refer"),
        "title": title or "",
        "body": body or "",
        "submitted_on": submitted_on,
        "service": service,
    }


# Optional review scores: (key, highest value); the lowest is 1, except willing_to_refer's 0.
_REVIEW_SCORES = (("quality", 5), ("schedule", 5), ("cost", 5))
