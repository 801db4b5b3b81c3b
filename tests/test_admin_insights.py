"""Program insights for administrators: listed agencies by tier, expiring certifications,
requests and reviews per week, CSV exports, and who may see them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from directory.db import db, today, utcnow
from directory.models import Agency, AuditEntry, Certification, Lead
from directory.services import agencies
from directory.services.insights import program
from tests.support.factories import add_member, make_user
from tests.support.web import login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

PAGE = "/en/admin/insights"


def _admin(app):
    return login_as(app, make_user(admin=True))


def _backdate(agency: Agency, days: int) -> None:
    """Make the agency and its certification date from ``days`` ago."""
    when = utcnow() - dt.timedelta(days=days)
    db.session.execute(update(Agency).where(Agency.id == agency.id).values(created_at=when))
    db.session.execute(
        update(Certification)
        .where(Certification.agency_id == agency.id)
        .values(verified_at=when, issued_on=when.date())
    )
    db.session.commit()


def test_listing_is_reconstructed_per_week_with_the_tier_of_the_time(app, factory):
    admin = make_user(admin=True)
    agency = factory.agency(program="partner", tier="gold")
    _backdate(agency, 100)
    agencies.set_program(agency, admin, "partner", "elite", [])
    changed = utcnow() - dt.timedelta(days=30)
    db.session.execute(update(AuditEntry).values(at=changed))
    db.session.commit()
    recent = factory.agency()  # a provider listed from today's week only
    factory.agency(listed=False)  # never listed
    counts = program.listed_by_tier()
    weeks = counts.weeks
    assert len(weeks) == 52 and weeks[-1] == today() - dt.timedelta(days=today().weekday())
    before = weeks.index(next(w for w in weeks if w > today() - dt.timedelta(days=80)))
    assert counts.series["gold"][before] == 1 and counts.series["elite"][before] == 0
    assert counts.series["elite"][-1] == 1 and counts.series["gold"][-1] == 0
    assert counts.series["gold"][0] == 0  # before the agency existed
    assert counts.series["provider"][-1] == 1 and counts.series["provider"][-2] == 0
    assert recent.id


def test_a_suspension_counts_from_the_day_it_happened(app, factory):
    admin = make_user(admin=True)
    agency = factory.agency()
    _backdate(agency, 60)
    agencies.suspend(agency, admin, "Spam")
    db.session.execute(update(AuditEntry).values(at=utcnow() - dt.timedelta(days=20)))
    db.session.commit()
    series = program.listed_by_tier().series["provider"]
    assert series[-5] == 1  # five weeks ago: still published
    assert series[-1] == 0


def test_expiring_counts_and_the_filtered_list(app, factory):
    for days, name in ((10, "Soon"), (45, "Later"), (80, "Latest"), (200, "Far")):
        factory.agency(name=name, certified_until=today() + dt.timedelta(days=days))
    assert program.expiring_counts() == {30: 1, 60: 2, 90: 3}
    client = _admin(app)
    page = client.get(PAGE).get_data(as_text=True)
    assert 'href="/en/admin/agencies?expiring=30"' in page
    listed = client.get("/en/admin/agencies?expiring=60").get_data(as_text=True)
    assert "Soon" in listed and "Later" in listed and "Latest" not in listed
    assert "Far" not in listed
    assert client.get("/en/admin/agencies?expiring=45").status_code == 200  # ignored, no 500


def test_requests_and_reviews_per_week(app, factory):
    agency = factory.agency()
    for days in (0, 1, 8):
        db.session.add(
            Lead(
                agency_id=agency.id,
                name="Grace",
                email="grace@example.com",
                message="Hello",
                consent_version="test",
                consent_at=utcnow(),
                created_at=utcnow() - dt.timedelta(days=days),
            )
        )
    db.session.add(
        Lead(
            agency_id=agency.id,
            name="Spam",
            email="spam@example.com",
            consent_version="test",
            consent_at=utcnow(),
            is_spam=True,
        )
    )
    db.session.commit()
    factory.review(agency, submitted_on=today())
    factory.review(agency, submitted_on=today() - dt.timedelta(days=200))  # too old
    counts = program.activity_by_week()
    assert len(counts.weeks) == 12
    assert sum(counts.series["leads"]) == 3
    assert counts.series["reviews"][-1] == 1 and sum(counts.series["reviews"]) == 1


@pytest.mark.parametrize(
    ("lang", "title", "table"),
    [("en", "Program insights", "Data table"), ("fr", "Vue d’ensemble du programme", "Tableau")],
)
def test_page_shows_charts_with_table_fallbacks(app, factory, lang, title, table):
    factory.agency(program="partner", tier="elite")
    page = _admin(app).get(f"/{lang}/admin/insights")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    assert html.count('<svg class="chart-svg"') == 2
    assert html.count("<table") >= 2 and table in html
    assert "chart-tier-elite" in html
    assert "insights.css" in html and "program.css" in html


def test_csv_export(app, factory):
    factory.agency(program="partner", tier="gold")
    client = _admin(app)
    response = client.get("/en/admin/insights.csv?chart=listing")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("week,Elite,Diamond,Platinum,Gold")
    assert len(lines) == 53 and lines[-1].split(",")[4] == "1"
    activity = client.get("/en/admin/insights.csv?chart=activity").get_data(as_text=True)
    assert activity.splitlines()[0] == "week,Requests received,Reviews published"
    assert client.get("/en/admin/insights.csv?chart=nope").status_code == 404


def test_only_administrators(app, factory):
    agency = factory.agency()
    owner = add_member(make_user(), agency, "owner")
    member = login_as(app, owner)
    for path in (PAGE, "/en/admin/insights.csv?chart=listing"):
        assert member.get(path).status_code == 404
        assert app.test_client().get(path).status_code in (302, 401)
