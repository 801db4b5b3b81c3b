"""What the checking side hands to the writer: fingerprints, aggregates, plain value tuples."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.services.import_rows import (
    REVIEW_COLUMNS,
    rating_aggregates,
    record_digest,
    to_row,
)
from directory.services.import_validation import validate_line
from directory.services.ratings import aggregate

from .test_import import valid_line

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
