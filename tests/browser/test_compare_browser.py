"""Compare in Chromium: the shortlist tray with JavaScript, plain links without, the table on a
phone, axe-core, and screenshots of the comparison and get-matched pages (EN and FR, 1366 and
390 px wide) in ``test-artifacts/screens/``."""

from __future__ import annotations

import re

import pytest

from directory.db import db
from directory.services.reviews.ratings import refresh_rating
from tests.support.search import reindex

from .conftest import ARTIFACTS
from .test_accessibility import WCAG_AA, _start_axe, _summary
from .test_public_browser import STRUCTURE_JS

pytestmark = pytest.mark.usefixtures("french_catalog")

SCREENS = ARTIFACTS / "screens"
SIZES = {"1366x900": (1366, 900), "390x844": (390, 844)}
assert WCAG_AA  # the rules the accessibility suite runs (imported for one source of truth)


@pytest.fixture
def agencies(factory):
    """Five listed agencies with full profiles, indexed for the search page."""
    specs = [
        ("Acme Growth Partners", "partner", "elite", ["seo", "branding", "website-design"],
         [{"country": "FR", "city": "Lyon"}, {"country": "DE", "city": "Berlin"}]),
        ("Bravo Digital", "partner", "gold", ["seo", "content-marketing"],
         [{"country": "FR", "city": "Paris"}]),
        ("Charlie & Co, a long agency name that has to wrap", "provider", None, ["seo"],
         [{"country": "BE", "city": "Brussels"}]),
        ("Delta Studio", "partner", "diamond", ["seo", "crm-implementation"],
         [{"country": "CA", "city": "Montreal"}]),
        ("Echo Labs", "partner", "platinum", ["seo"], [{"country": "US", "city": "Boston"}]),
    ]  # fmt: skip
    made = []
    for n, (name, program, tier, services, offices) in enumerate(specs):
        agency = factory.agency(
            name=name, program=program, tier=tier, services=services, offices=offices,
            industries=["software", "healthcare"][: n % 2 + 1], languages=["en", "fr"],
            min_budget_usd=[5_000, 10_000, None, 25_000, 50_000][n], team_size="11-50",
            hourly_rate_low_usd=100 + 10 * n, hourly_rate_high_usd=150 + 10 * n,
        )  # fmt: skip
        for rating in (5, 4, 5)[: n % 3 + 1]:
            factory.review(agency, rating=rating, quality=rating, schedule=4, cost=3,
                           willing_to_refer=9)  # fmt: skip
        refresh_rating(agency)
        made.append(agency)
    db.session.commit()
    reindex()
    return made


OVERFLOWING_JS = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = el => el.closest('.compare-scroll') && !el.matches('.compare-scroll');
  return [...document.body.querySelectorAll('*')]
    .filter(el => !inScroller(el) && el.getBoundingClientRect().right > width + 1)
    .map(el => `${el.tagName.toLowerCase()}.${el.className}`);
}"""


def _no_page_overflow(page) -> bool:
    overflowing = page.evaluate(OVERFLOWING_JS)
    assert overflowing == [], overflowing
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_shortlist_tray_with_javascript(live_server, page, agencies):
    page.goto(f"{live_server}/en/search?q=seo")
    toggles = page.locator("a.compare-toggle")
    toggles.first.wait_for()
    assert toggles.first.get_attribute("role") == "button"
    assert toggles.first.get_attribute("aria-pressed") == "false"
    tray = page.locator(".compare-tray")
    assert tray.is_hidden()
    for i in range(4):
        toggles.nth(i).click()
    assert [toggles.nth(i).get_attribute("aria-pressed") for i in range(5)] == [
        "true", "true", "true", "true", "false"
    ]  # fmt: skip
    open_link = tray.locator("a")
    assert open_link.inner_text() == "Compare (4)"
    # A fifth is refused with a message; nothing else changes.
    toggles.nth(4).click()
    assert toggles.nth(4).get_attribute("aria-pressed") == "false"
    page.wait_for_timeout(150)  # the live region is emptied, then filled (read twice)
    assert "up to 4" in page.locator(".compare-tray__status").inner_text()
    # Keyboard: Space toggles like any button.
    toggles.nth(3).focus()
    page.keyboard.press("Space")
    assert toggles.nth(3).get_attribute("aria-pressed") == "false"
    assert open_link.inner_text() == "Compare (3)"
    names = [toggles.nth(i).get_attribute("data-compare-name") for i in range(3)]

    # The shortlist survives a reload and shows on a profile too.
    page.goto(f"{live_server}/en/agencies/{agencies[0].slug}")
    assert page.locator(".compare-tray a").inner_text() == "Compare (3)"
    pressed = page.locator("a.compare-toggle").get_attribute("aria-pressed")
    assert pressed == ("true" if agencies[0].name in names else "false")
    page.locator(".compare-tray a").click()
    page.wait_for_url(re.compile(r"/en/compare\?a="))
    headers = page.locator("th.compare-agency .compare-agency__name")
    assert headers.all_inner_texts() == names

    # Removing from the comparison page updates the stored shortlist.
    page.locator("a.compare-remove").first.click()
    page.wait_for_url(re.compile(r"/en/compare\?a="))
    assert headers.count() == 2
    page.goto(f"{live_server}/en/search?q=seo")
    assert page.locator(".compare-tray a").inner_text() == "Compare (2)"
    page.locator(".compare-tray__clear").click()
    assert page.locator(".compare-tray").is_hidden()


def test_comparison_without_javascript(live_server, nojs_page, agencies):
    page = nojs_page
    first, second = agencies[0], agencies[1]
    page.goto(f"{live_server}/en/agencies/{first.slug}")
    page.locator("a.compare-toggle").click()
    page.wait_for_url(re.compile(rf"/en/compare\?a={first.slug}$"))
    assert page.locator("th.compare-agency").count() == 1
    # "Add another agency" opens the search; its toggles carry the list.
    page.get_by_role("link", name="Add another agency").click()
    page.wait_for_url(re.compile(rf"/en/search\?compare={first.slug}$"))
    page.locator(f"a.compare-toggle[data-compare-slug='{second.slug}']").click()
    page.wait_for_url(re.compile(rf"/en/compare\?a={first.slug}&a={second.slug}$"))
    assert page.locator(".compare-agency__name").all_inner_texts() == [first.name, second.name]
    page.get_by_role("link", name=f"Remove {first.name}").click()
    assert page.locator(".compare-agency__name").all_inner_texts() == [second.name]


def test_table_on_a_phone_keeps_row_names_in_view(live_server, page, agencies):
    page.set_viewport_size({"width": 390, "height": 844})
    slugs = "&".join(f"a={a.slug}" for a in agencies[:4])
    page.goto(f"{live_server}/en/compare?{slugs}")
    assert _no_page_overflow(page)
    region = page.locator(".compare-scroll")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    row_name = page.locator("th[scope=row]").first
    before = row_name.bounding_box()["x"]
    region.evaluate("el => { el.scrollLeft = 400; }")
    page.wait_for_timeout(100)
    assert abs(row_name.bounding_box()["x"] - before) < 1
    # The region is reachable from the keyboard, so it can be scrolled without a mouse.
    assert region.get_attribute("tabindex") == "0"
    expected = {"h1": 1, "skips": 0, "unnamedLinks": 0, "unlabelled": [], "duplicateIds": [],
                "landmarks": True}  # fmt: skip
    assert page.evaluate(STRUCTURE_JS) == expected


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_compare_and_match_pages_pass_axe(live_server, browser, agencies, lang):
    slugs = "&".join(f"a={a.slug}" for a in agencies[:3])
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = {}
    try:
        for path in (f"/{lang}/compare?{slugs}", f"/{lang}/compare", f"/{lang}/search?q=seo"):
            page.goto(f"{live_server}{path}")
            _start_axe(page)
            violations = page.evaluate("() => window.__axe.then(r => r.violations)")
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                problems[path] = _summary(serious)
        _open_match_results(page, live_server, lang)
        _start_axe(page)
        violations = page.evaluate("() => window.__axe.then(r => r.violations)")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        if serious:
            problems["match results"] = _summary(serious)
    finally:
        context.close()
    assert problems == {}


def _open_match_results(page, live_server: str, lang: str) -> None:
    page.goto(f"{live_server}/{lang}/match")
    page.locator("input[name=services][value=seo]").check()
    page.locator("input[name=services][value=branding]").check()
    page.locator("#location").select_option("FR")
    page.locator("#budget_band").select_option("10k-25k")
    page.locator("form.lead-form button[type=submit]").click()
    page.locator(".lead-proposal").first.wait_for()


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_screenshots(live_server, browser, agencies, lang, size):
    width, height = SIZES[size]
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
    page = context.new_page()
    SCREENS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{live_server}/{lang}/search?q=seo")
        page.locator("a.compare-toggle").nth(0).click()
        page.locator("a.compare-toggle").nth(1).click()
        page.screenshot(path=str(SCREENS / f"compare-tray-{lang}-{size}.png"))
        page.goto(f"{live_server}/{lang}/agencies/{agencies[2].slug}")
        page.screenshot(path=str(SCREENS / f"compare-tray-profile-{lang}-{size}.png"))
        slugs = "&".join(f"a={a.slug}" for a in agencies[:4])
        page.goto(f"{live_server}/{lang}/compare?{slugs}")
        assert _no_page_overflow(page)
        page.screenshot(path=str(SCREENS / f"compare-four-{lang}-{size}.png"), full_page=True)
        _open_match_results(page, live_server, lang)
        page.locator("input[name=agencies]").first.check()
        assert _no_page_overflow(page)
        page.screenshot(path=str(SCREENS / f"match-results-{lang}-{size}.png"), full_page=True)
    finally:
        context.close()
