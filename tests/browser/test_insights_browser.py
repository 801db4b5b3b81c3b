"""The Performance page in Chromium: axe-clean in EN and FR, readable on a 390 px phone."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe

from directory.db import db, today
from directory.models import AgencyDailyStat
from tests.support.factories import add_member, make_user
from tests.support.web import sign_in_page

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("french_catalog")

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def member_agency(factory):
    """An agency with a few weeks of counters and a member to sign in as."""
    agency = factory.agency(slug="acme", name="Acme")
    for weeks, views in ((0, 40), (1, 12), (3, 25)):
        day = today() - dt.timedelta(weeks=weeks)
        for metric, count in (("views", views), ("appearances", 30), ("position_sum", 90)):
            db.session.add(
                AgencyDailyStat(agency_id=agency.id, day=day, metric=metric, count=count)
            )
    db.session.add(
        AgencyDailyStat(
            agency_id=agency.id, day=today(), metric="badge_views", host="partner.example", count=7
        )
    )
    db.session.commit()
    add_member(make_user("member@example.com"), agency, role="owner")
    return agency


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_performance_page_on_a_phone(live_server, browser, member_agency, lang):
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, "member@example.com")
        page.goto(f"{live_server}/{lang}/dashboard/agencies/acme/performance")
        assert page.locator("figure.chart").count() == 18
        # Nothing wider than the phone: the charts scale, the page does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        width = page.locator("figure.chart svg").first.bounding_box()["width"]
        assert 250 < width <= 390
        first = page.locator("figure.chart details").first
        first.locator("summary").click()
        assert first.locator("table tbody tr").count() == 12
        page.evaluate(Axe().axe_script)
        violations = page.evaluate("options => axe.run(options)", WCAG_AA)["violations"]
        assert [v["id"] for v in violations] == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"insights-390-{lang}.png"), full_page=True)
    finally:
        context.close()
