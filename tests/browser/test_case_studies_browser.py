"""Case studies in a real browser: the dashboard editor and the public portfolio, at 1366 and
390 px wide, in English and French, with screenshots in test-artifacts/screens/."""

from __future__ import annotations

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image, ImageDraw

from directory.db import db
from directory.models import Agency, CaseStudy
from directory.services import case_studies
from tests.browser.conftest import ARTIFACTS
from tests.support.web import sign_in_page

SCREENS = ARTIFACTS / "screens"
SIZES = {"1366": (1366, 900), "390": (390, 844)}
AXE_SCRIPT = Axe().axe_script
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
pytestmark = pytest.mark.usefixtures("french_catalog")


def _picture() -> bytes:
    image = Image.new("RGB", (1600, 900), (18, 72, 140))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1600, 120):
        draw.rectangle((x, 900 - x // 2, x + 80, 900), fill=(250, 180, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def portfolio(seeded):
    """The seeded agency's case study gets an image, and a second one joins it."""
    agency = db.session.get(Agency, seeded["agency"].id)
    first = next(s for s in agency.case_studies if s.key == "cs1")
    first.image = case_studies._store_image(case_studies.make_image(_picture()))
    first.image_alt = "Chart of leads rising"
    db.session.add(
        CaseStudy(
            agency_id=agency.id,
            key="cs2",
            position=1,
            title="Un CRM unique pour un groupe industriel aux sites multiples",
            client_or_sector="Industrie",
            services=["seo", "paid-advertising"],
            challenge="Trois outils, des contacts en double.",
            results="Un CRM unique, migré en un week-end.",
            figures=[
                {"value": "120 000", "label": "contacts migrés"},
                {"value": "0", "label": "heure d’interruption"},
                {"value": "-27 %", "label": "cycle de vente"},
                {"value": "x3", "label": "rapports utilisés chaque semaine"},
            ],
        )
    )
    db.session.commit()
    return seeded


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _serious(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 AA violations on the page shown."""
    page.evaluate(AXE_SCRIPT)
    found = page.evaluate("options => axe.run(options).then(r => r.violations)", WCAG_AA)
    return [
        f"{v['id']}: {n['target']}"
        for v in found
        if v["impact"] in ("serious", "critical")
        for n in v["nodes"]
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("size", list(SIZES))
def test_portfolio_and_editor_at_both_sizes(live_server, browser, portfolio, lang, size):
    SCREENS.mkdir(parents=True, exist_ok=True)
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        slug = portfolio["agency"].slug
        page.goto(f"{live_server}/{lang}/agencies/{slug}")
        section = page.locator("#case-studies")
        section.scroll_into_view_if_needed()
        assert section.locator(".cs-card").count() == 2
        assert section.locator(".cs-figure__value").first.inner_text() == "+38 %"
        assert page.locator(".cs-card__image").evaluate("i => i.complete && i.naturalWidth > 0")
        assert _fits(page)
        assert _serious(page) == []
        section.screenshot(path=str(SCREENS / f"case-studies-public-{size}-{lang}.png"))
        page.screenshot(
            path=str(SCREENS / f"case-studies-profile-{size}-{lang}.png"), full_page=True
        )

        sign_in_page(page, live_server, portfolio["member"].email)
        page.goto(f"{live_server}/{lang}/dashboard/agencies/{slug}/case-studies")
        assert page.locator(".cs-admin__item").count() == 2
        assert _fits(page)
        assert _serious(page) == []
        page.screenshot(
            path=str(SCREENS / f"case-studies-dashboard-{size}-{lang}.png"), full_page=True
        )
        page.locator(".cs-admin__item").first.get_by_role("link").first.click()
        page.wait_for_selector("form.cs-form")
        assert page.input_value("#title") == "Doubling qualified leads"
        assert _fits(page)
        assert _serious(page) == []
        page.screenshot(
            path=str(SCREENS / f"case-studies-editor-{size}-{lang}.png"), full_page=True
        )
    finally:
        context.close()


def test_reordering_works_without_javascript(live_server, browser, portfolio):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in_page(page, live_server, portfolio["member"].email)
        slug = portfolio["agency"].slug
        page.goto(f"{live_server}/en/dashboard/agencies/{slug}/case-studies")
        page.locator("#cs-cs2").get_by_role("button", name="Move up").click()
        page.wait_for_selector(".flash, .notice")
        titles = page.locator(".cs-admin__title").all_inner_texts()
        assert titles[0].startswith("Un CRM unique")
    finally:
        context.close()
