"""What the checking side hands to the writer: fingerprints, aggregates, plain value tuples."""

from __future__ import annotations

import datetime as dt
import json
from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.services.demo.seed import generate_agencies
from directory.services.imports.record import validate_line
from directory.services.imports.rows import (
    HASH_VERSION,
    REVIEW_COLUMNS,
    canonical_text,
    rating_aggregates,
    record_digest,
    to_row,
)
from directory.services.reviews.ratings import aggregate

from .test_import import SAMPLE, valid_line

ON = dt.date(2026, 11, 26)


def record(line: dict):
    found, errors = validate_line(line, ON)
    assert not errors
    return found


def test_digest_of_a_known_line_does_not_change():
    # A changed digest makes the next import count every agency as updated: bump
    # HASH_VERSION on purpose (docs/import.md), never by accident.
    assert record_digest(record(valid_line())) == (
        "6c3f9e58f41bac15f454bd9798b504c51e8348103cd25b794abb6a7b568f943b"
    )
    line = valid_line(tier=None, description="  E\u0301te\u0301  ")
    del line["inbound_certification"]
    line["locations"].append({"country": "BE"})
    line["reviews"].append(
        {"external_id": "r-2", "author_name": "Paul", "rating": 4, "submitted_on": "2026-01-02"}
    )
    assert record_digest(record(line)) == (
        "2ce5da632346a4006741a059ab6c7b36319b3947f4bf2dd120845c1cb1401d3c"
    )


def test_review_services_change_the_digest_only_when_given():
    # Files written before reviews had a service keep their digests (nothing to re-write).
    absent = record_digest(record(valid_line()))
    line = valid_line()
    line["reviews"][0]["service"] = None
    assert record_digest(record(line)) == absent
    line["reviews"][0]["service"] = "seo"
    tagged = record_digest(record(line))
    line["reviews"][0]["service"] = "branding"
    assert len({absent, tagged, record_digest(record(line))}) == 3
    assert to_row(record(line)).reviews[0][REVIEW_COLUMNS.index("service")] == "branding"


def varied_lines():
    """Lines through every validation path: absent fields, slow paths, Unicode, floats."""
    sparse = valid_line("sparse", tier=None, program="provider", website=None, founded=None)
    for field in ("inbound_certification", "reviews", "hourly_rate_usd", "email", "phone"):
        del sparse[field]
    slow = valid_line("slow", description="a < b, <https://example.com>\n\nFin.")
    slow["reviews"][0].update(body="3 < 4 and 5 > 4", title=" Spaced  ", author_company=None)
    slow["reviews"].append(
        {
            "external_id": "r-2",
            "author_name": "東京",
            "rating": 2,
            "quality": 1,
            "submitted_on": "2026-01-02",
            "body": "Très bien",
            "service": "branding",
        }
    )
    slow["locations"] += [{"country": "BE", "lat": -0.1, "lng": 1e-7}, {"country": "JP"}]
    quotes = valid_line("quotes", name='L\'Atelier "Nord"', tagline="C:\\ \u00e9 \U0001f600")
    return [valid_line(), sparse, slow, quotes]


def test_digest_is_the_sha256_of_the_records_repr(app):
    lines = [*varied_lines(), *generate_agencies(150, seed=3, on=ON)]
    lines += [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        found = record(line)
        expected = sha256(f"{HASH_VERSION}\n{canonical_text(found)}".encode()).hexdigest()
        assert record_digest(found) == expected, line["external_id"]


def test_row_holds_plain_values_in_column_order():
    row = to_row(record(valid_line()))
    assert (row.external_id, row.slug) == ("t-0001", None)
    assert row.profile[:3] == ("Lumière Test", "Agence inbound", row.profile[2])
    assert row.tags[:3] == (("service", "seo", 0), ("service", "inbound-marketing", 1),
                            ("industry", "software", 0))  # fmt: skip
    assert row.offices == (("FR", "Auvergne-Rhône-Alpes", "Lyon", 45.76, 4.83, True, 0),)
    assert row.certification == ("IC-1", "2025-09-01", "2099-09-01")
    assert row.reviews[0][0] == "r-1" and row.reviews[0][-1] == "2026-03-14"
    assert rating_aggregates(row.reviews, (3.5, 5.0)) == (
        *(1, 5.0, 5.0, 4.0, 5.0, 9.0),
        (5 * 3.5 + 5) / 6,
    )
    assert to_row(record(valid_line(slug="given"))).slug == "given"


scores = st.none() | st.integers(1, 5)
reviews = st.lists(
    st.fixed_dictionaries(
        {
            "rating": st.integers(1, 5),
            "quality": scores,
            "schedule": scores,
            "cost": scores,
            "willing_to_refer": st.none() | st.integers(0, 10),
        }
    ),
    max_size=12,
)


@pytest.mark.usefixtures("app")
@settings(max_examples=200, deadline=None)
@given(reviews=reviews)
def test_rating_aggregates_equal_the_ratings_service(reviews):
    expected = aggregate(reviews)
    rows = [tuple(review.get(name) for name in REVIEW_COLUMNS) for review in reviews]
    assert rating_aggregates(rows, (3.5, 5.0)) == tuple(expected.values())
