"""Rate limits of the review forms, on an app where Flask-Limiter is on (the ``app`` fixture
turns it off)."""

from __future__ import annotations

from directory.models import ReviewReport, ReviewSubmission
from tests.support.factories import Factory, count_rows
from tests.support.web import csrf_token

from .test_reviews import review_data


def test_reviews_per_address_and_per_ip(limited_app):
    factory = Factory()
    agency, other = factory.agency(), factory.agency()
    client = limited_app.test_client()
    url = f"/en/agencies/{agency.slug}/review"
    token = csrf_token(client, url)

    def post(target=url, **overrides):
        return client.post(target, data={"csrf_token": token, **review_data(**overrides)})

    for _ in range(3):
        assert post().status_code == 303
    assert post().status_code == 429  # a fourth from this address today
    assert post(email="ADA@example.com").status_code == 429  # case does not get around it
    assert post(email="bob@example.com").status_code == 303
    assert post(email="eve@example.com").status_code == 303
    # Five successful reviews an hour from one address: then even new addresses wait.
    assert post(email="zed@example.com").status_code == 429
    other_url = f"/en/agencies/{other.slug}/review"
    assert post(other_url, email="zed@example.com").status_code == 429
    assert count_rows(ReviewSubmission) == 5


def test_reports_are_rate_limited(limited_app):
    factory = Factory()
    agency = factory.agency()
    review = factory.review(agency)
    client = limited_app.test_client()
    url = f"/en/reviews/{review.id}/report"
    token = csrf_token(client, url)
    statuses = [
        client.post(url, data={"csrf_token": token, "reason": "fake"}).status_code
        for _ in range(11)
    ]
    assert statuses == [303] * 10 + [429]
    assert count_rows(ReviewReport) == 10
