"""Dashboard, administration and lead pages on a 390 px phone and a 1366 px desktop, EN and FR:
no horizontal overflow, tables readable, the searchable multi-select, screenshots to look at."""

from __future__ import annotations

import pytest

from directory.db import db, utcnow
from directory.models import AgencyDraft, Lead
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


def _editor(browser, live_server, seeded, **context):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, **context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_page(page, live_server, seeded["member"].email)
    page.goto(f"{live_server}/en/dashboard/agencies/{seeded['agency'].slug}/edit")
    return context, page


def test_languages_are_a_searchable_multiselect(live_server, browser, seeded):
    context, page = _editor(browser, live_server, seeded)
    try:
        assert page.locator("select#languages").is_hidden()  # still in the form, submitted
        search = page.get_by_label("Search in “Languages spoken”")
        search.fill("fren")
        group = page.get_by_role("group", name="Languages spoken")
        shown = group.locator(".multiselect__choice:visible")
        assert shown.count() == 1 and shown.inner_text().strip() == "French"
        total = page.locator("select#languages option").count()
        count = page.locator("#languages ~ .multiselect .multiselect__count")
        assert count.inner_text() == f"1 of {total} shown"
        search.press("ArrowDown")  # from the filter straight to the first match
        assert page.evaluate("document.activeElement.value") == "fr"
        page.keyboard.press("Space")
        chip = page.get_by_role("button", name="Remove French")
        assert chip.is_visible()
        assert page.evaluate(
            "[...document.querySelector('#languages').selectedOptions].map(o => o.value)"
        ) == ["en", "fr"]
        search.press("Escape")  # clears the filter: every language is back
        assert group.locator(".multiselect__choice:visible").count() > 150
        # Removing the English chip with the keyboard moves focus to the next chip.
        page.get_by_role("button", name="Remove English").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Remove French"
        page.screenshot(path=str(_screen("editor-multiselect-en-1366")), full_page=False)
        # Long checkbox lists (32 services, 20 industries) get the same filter box.
        page.get_by_label("Search in “Services”").fill("seo")
        services = page.get_by_role("group", name="Services")
        assert services.locator("label:visible").count() >= 1
        page.get_by_role("button", name="Save the draft and preview").click()
        page.wait_for_url(lambda url: url.endswith("/preview"))
        draft = db.session.get(AgencyDraft, seeded["agency"].id)
        db.session.refresh(draft)
        assert draft.payload["languages"] == ["fr"]
    finally:
        context.close()


def test_languages_without_javascript_are_the_plain_select(live_server, browser, seeded):
    context, page = _editor(browser, live_server, seeded, java_script_enabled=False)
    try:
        select = page.locator("select#languages")
        assert select.is_visible() and select.get_attribute("multiple") is not None
        assert page.locator(".multiselect").count() == 0
        assert "Hold Ctrl" in page.locator("#languages-hint").inner_text()
    finally:
        context.close()


def _screen(name: str):
    SCREENS.mkdir(parents=True, exist_ok=True)
    return SCREENS / f"{name}.png"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_screenshots_of_the_editor_tables_review_form_and_badge_builder(
    live_server, browser, seeded, lang
):
    slug = seeded["agency"].slug
    pages = {
        "editor": f"/{lang}/dashboard/agencies/{slug}/edit",
        "lead-inbox": f"/{lang}/dashboard/{slug}/leads",
        "audit-log": f"/{lang}/admin/audit",
        "review-form": f"/{lang}/agencies/{slug}/review",
        "badge-builder": f"/{lang}/dashboard/{slug}/badge?cta=1",
    }
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        try:
            sign_in_page(page, live_server, seeded["member"].email)
            for name, path in pages.items():
                page.goto(live_server + path)
                assert page.evaluate("document.scrollingElement.scrollWidth") <= width, name
                page.screenshot(path=str(_screen(f"{name}-{lang}-{width}")), full_page=True)
        finally:
            context.close()


def test_enhanced_editor_and_phone_tables_have_no_axe_violations(live_server, browser, seeded):
    from .test_accessibility import _axe_violations, _start_axe, _summary

    slug = seeded["agency"].slug
    found = {}
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        try:
            sign_in_page(page, live_server, seeded["member"].email)
            for path in (
                f"/fr/dashboard/agencies/{slug}/edit",
                f"/en/dashboard/{slug}/leads",
                "/fr/admin/audit",
                f"/en/agencies/{slug}/review",
                f"/fr/dashboard/{slug}/badge?cta=1",
            ):
                page.goto(live_server + path)
                if "/edit" in path:
                    page.get_by_label("Rechercher dans « Langues parlées »").fill("fr")
                _start_axe(page)
                violations = _axe_violations(page)
                if violations:
                    found[f"{path} @{width}"] = _summary(violations)
        finally:
            context.close()
    assert found == {}
