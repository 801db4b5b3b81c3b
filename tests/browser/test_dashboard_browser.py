"""Dashboard, administration and lead pages on a 390 px phone and a 1366 px desktop, EN and FR:
no horizontal overflow, tables readable, the searchable multi-select, screenshots to look at."""

from __future__ import annotations

import pytest

from directory.db import db, utcnow
from directory.models import Lead
from directory.services.audit import record
from tests.support.factories import add_member, make_user
from tests.support.web import sign_in_page

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("french_catalog")

SCREENS = ARTIFACTS / "screens"
LONG_NAME = "Agence Internationale de Marketing Entrant et de Référencement Naturel"


@pytest.fixture
def seeded(factory):
    """An owner who is also an administrator, an agency with leads, reviews and an audit trail."""
    agency = factory.agency(name=LONG_NAME, slug="agence-internationale", services=["seo"])
    factory.review(agency, title="Excellent project", rating=5)
    member = make_user("a.very.long.address.for.testing@example-agency-domain.com", admin=True)
    add_member(member, agency, role="owner")
    for n in range(3):
        db.session.add(
            Lead(
                agency_id=agency.id,
                source="contact" if n else "match",
                name=f"Grace Hopper {n}",
                email=f"grace{n}@example.com",
                company="Naval Computing Laboratories International",
                services=["seo", "content-marketing"],
                message="Hello",
                consent_version="test",
                consent_at=utcnow(),
            )
        )
    record(
        "profile.published",
        actor=member,
        agency_id=agency.id,
        target=f"agency:{agency.slug}",
        before={"tagline": "An old tagline that was rather long indeed", "services": ["seo"]},
        after={"tagline": "A new tagline that is even longer than before", "services": ["ppc"]},
    )
    db.session.commit()
    return {"agency": agency, "member": member}


def _pages(slug: str) -> list[tuple[str, str]]:
    return [
        ("dashboard", "/{lang}/dashboard/"),
        ("editor", f"/{{lang}}/dashboard/agencies/{slug}/edit"),
        ("team", f"/{{lang}}/dashboard/agencies/{slug}/team"),
        ("certifications", f"/{{lang}}/dashboard/agencies/{slug}/certifications"),
        ("lead-inbox", f"/{{lang}}/dashboard/{slug}/leads"),
        ("reviews-dashboard", f"/{{lang}}/dashboard/{slug}/reviews"),
        ("badge-builder", f"/{{lang}}/dashboard/{slug}/badge"),
        ("admin", "/{lang}/admin/"),
        ("admin-agencies", "/{lang}/admin/agencies"),
        ("admin-agency", f"/{{lang}}/admin/agencies/{slug}"),
        ("audit-log", "/{lang}/admin/audit"),
        ("admin-certifications", "/{lang}/admin/certifications"),
        ("admin-leads", "/{lang}/admin/leads"),
        ("admin-recent-leads", "/{lang}/admin/leads/recent"),
        ("admin-reviews", "/{lang}/admin/reviews"),
        ("search-analytics", "/{lang}/admin/search-analytics"),
    ]


def test_no_page_overflows_a_phone(live_server, browser, seeded):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, seeded["member"].email)
        wide = {}
        for lang in ("en", "fr"):
            for name, path in _pages(seeded["agency"].slug):
                response = page.goto(live_server + path.format(lang=lang))
                assert response.status == 200, (name, lang, response.status)
                width = page.evaluate("document.scrollingElement.scrollWidth")
                if width > 390:
                    wide[f"{name} ({lang})"] = width
        assert wide == {}
    finally:
        context.close()


def test_lead_rows_stack_with_their_labels_on_a_phone(live_server, browser, seeded):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, seeded["member"].email)
        page.goto(f"{live_server}/fr/dashboard/{seeded['agency'].slug}/leads")
        cell = page.locator(".lead-table.table-stack tbody tr").first.locator("td").nth(2)
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Entreprise"'
        # Each row is a card as wide as the page, not a 630 px table.
        box = page.locator(".lead-table.table-stack tbody tr").first.bounding_box()
        assert box["width"] <= 390
    finally:
        context.close()
