"""The agency's Performance page and its CSV: own agency only, figures as counted."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from directory.db import db, today, utcnow
from directory.models import AgencyDailyStat, Lead
from directory.services.insights.queries import agency_insights, week_start
from tests.support.factories import add_member, make_user
from tests.support.web import login_as


def _stat(agency, metric, count, day=None, host=""):
    db.session.add(
        AgencyDailyStat(
            agency_id=agency.id, day=day or today(), metric=metric, host=host, count=count
        )
    )


def _lead(agency, source="contact", **fields):
    db.session.add(
        Lead(
            agency_id=agency.id,
            source=source,
            name="Prospect",
            email="prospect@example.com",
            consent_version="v1",
            consent_at=utcnow(),
            **fields,
        )
    )


@pytest.fixture
def agency(app, factory):
    """An agency with a few counted weeks, leads and reviews."""
    found = factory.agency(slug="acme", name="Acme")
    last_week = today() - dt.timedelta(days=7)
    _stat(found, "views", 40)
    _stat(found, "views", 5, day=last_week)
    _stat(found, "appearances", 10)
    _stat(found, "position_sum", 25)
    _stat(found, "top3", 4)
    _stat(found, "badge_views", 7, host="partner.example")
    _stat(found, "referrals", 2, host="=cmd.example")
    _lead(found)
    _lead(found, source="match")
    _lead(found, is_spam=True)
    factory.review(found, rating=4, commit=False)
    factory.review(found, rating=2, commit=False)
    factory.review(found, rating=1, status="pending", commit=False)
    db.session.commit()
    return found


def test_figures_per_week_and_month(agency):
    report = agency_insights(agency.id)
    assert len(report.weeks) == 12 and len(report.months) == 12
    this_week, last_week = report.weeks[-1].figures, report.weeks[-2].figures
    assert report.weeks[-1].start == week_start(today())
    assert this_week["views"] == 40 and last_week["views"] == 5
    assert this_week["average_position"] == 2.5
    assert last_week["average_position"] is None  # not shown in search: no position
    assert this_week["contact_requests"] == 1 and this_week["match_proposals"] == 1
    assert this_week["reviews"] == 2 and this_week["average_rating"] == 3
    assert report.months[-1].figures["views"] == 45 or today().day <= 7
    assert [row.host for row in report.sites] == ["partner.example", "=cmd.example"]


def test_members_see_their_agencys_page(app, agency):
    client = login_as(app, add_member(make_user("m@example.com"), agency))
    response = client.get("/en/dashboard/agencies/acme/performance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Performance of Acme" in html
    assert html.count("<figure") == 18 and 'role="img"' in html
    assert "partner.example" in html and "lower bounds" in html
    assert "style=" not in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "no-store" in response.headers["Cache-Control"]
    french = client.get("/fr/dashboard/agencies/acme/performance").get_data(as_text=True)
    assert "Performances de Acme" in french and "12 dernières semaines" in french


def test_other_users_and_visitors_do_not_see_it(app, agency, factory, request_scoped_clients):
    other = factory.agency(slug="other")
    outsider = login_as(app, add_member(make_user("o@example.com"), other))
    for path in (
        "/en/dashboard/agencies/acme/performance",
        "/en/dashboard/agencies/acme/insights.csv",
    ):
        assert outsider.get(path).status_code == 404
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_csv_export_is_a_safe_spreadsheet(app, agency):
    client = login_as(app, add_member(make_user("m@example.com"), agency, role="owner"))
    response = client.get("/en/dashboard/agencies/acme/insights.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="acme-performance.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header = rows[0]
    this_week = next(r for r in rows if r[:2] == ["week", week_start(today()).isoformat()])
    assert this_week[header.index("views")] == "40"
    assert this_week[header.index("average_rating")] == "3"
    assert [today().isoformat(), "referrals", "'=cmd.example", "2"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
