"""Public pages in a real browser: language switch, profile icons, JSON-LD, CSP, small screens."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from directory.db import today

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("french_catalog")


@pytest.fixture
def elite_agency(factory):
    agency = factory.agency(
        name="Aurora Conseil",
        slug="aurora-conseil",
        program="partner",
        tier="elite",
        tagline="CRM et inbound pour les ETI",
        description="We implement **CRM** projects.\n\n- Audit\n- Migration",
        website="https://aurora.example",
        founded=2012,
        team_size="51-200",
        min_budget_usd=10000,
        services=["crm-implementation", "seo"],
        industries=["manufacturing"],
        languages=["fr", "en"],
        offices=[{"country": "FR", "city": "Lyon"}, {"country": "BE", "city": "Bruxelles"}],
    )
    factory.review(agency, title="Excellent project", rating=5, quality=5, source="invitation")
    factory.review(agency, title="Solid work", rating=4, source="imported", author_email=None)
    return agency


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return errors


def test_home_then_switch_language(live_server, page, elite_agency):
    errors = _csp_errors(page)
    page.goto(f"{live_server}/en/")
    assert page.locator("h1").inner_text() == "Find the right agency"
    assert page.get_by_label("What do you need?").is_visible()
    page.get_by_role("link", name="Français").click()
    page.wait_for_url(f"{live_server}/fr/")
    assert page.locator("h1").inner_text() == "Trouvez la bonne agence"
    assert page.locator("html").get_attribute("lang") == "fr"
    # The choice is remembered: the bare domain now opens the French home page.
    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/fr/"
    assert errors == []


def test_profile_icons_and_structured_data(live_server, page, elite_agency):
    errors = _csp_errors(page)
    page.goto(f"{live_server}/en/agencies/aurora-conseil")
    assert page.locator("h1").inner_text() == "Aurora Conseil"
    tier = page.get_by_role("img", name="Elite tier")
    assert tier.is_visible()
    assert page.get_by_role("img", name="Solutions partner").first.is_visible()
    assert page.get_by_text("4.5 out of 5").first.is_visible()
    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["name"] == "Aurora Conseil"
    assert data["aggregateRating"]["reviewCount"] == 2
    # The skip link is the first stop for keyboard users, and visible when focused.
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.inner_text() == "Skip to content" and focused.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public-profile-en.png"), full_page=True)
    # Switching language keeps the same profile.
    page.get_by_role("link", name="Français").click()
    page.wait_for_url(f"{live_server}/fr/agencies/aurora-conseil")
    assert page.get_by_role("img", name="Niveau Elite").is_visible()
    page.screenshot(path=str(ARTIFACTS / "public-profile-fr.png"), full_page=True)
    assert errors == []


def test_profile_fits_a_small_screen(live_server, page, elite_agency):
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/fr/agencies/aurora-conseil", "/fr/", "/fr/ranking"):
        page.goto(f"{live_server}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    page.goto(f"{live_server}/fr/agencies/aurora-conseil")
    page.screenshot(path=str(ARTIFACTS / "public-profile-mobile.png"), full_page=True)


def test_search_box_works_without_javascript(live_server, nojs_page, elite_agency):
    nojs_page.goto(f"{live_server}/en/")
    nojs_page.get_by_label("What do you need?").fill("crm")
    # The search page may then redirect (e.g. to a service's landing page): that is its call.
    with nojs_page.expect_request("**/en/search?q=crm&where=") as request:
        nojs_page.get_by_role("button", name="Search").click()
    assert request.value.method == "GET"
    nojs_page.wait_for_load_state()
    assert nojs_page.locator("h1").is_visible()


def test_certification_expiring_today_still_shows(live_server, page, factory):
    factory.agency(name="Last Day", slug="last-day", certified_until=today())
    page.goto(f"{live_server}/en/agencies/last-day")
    assert page.locator("h1").inner_text() == "Last Day"


STRUCTURE_JS = """() => {
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  const skips = levels.filter((level, i) => i > 0 && level > levels[i - 1] + 1);
  const unnamedLinks = [...document.querySelectorAll('a[href]')]
    .filter(a => !(a.textContent.trim() || a.getAttribute('aria-label')));
  const unlabelled = [...document.querySelectorAll('input:not([type=hidden]),select,textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'));
  const ids = [...document.querySelectorAll('[id]')].map(el => el.id);
  return {
    h1: levels.filter(l => l === 1).length,
    skips: skips.length,
    unnamedLinks: unnamedLinks.length,
    unlabelled: unlabelled.map(el => el.name),
    duplicateIds: ids.filter((id, i) => ids.indexOf(id) !== i),
    landmarks: ['header', 'nav', 'main', 'footer'].every(t => document.querySelector(t)),
  };
}"""


@pytest.mark.parametrize(
    "path",
    [
        "/en/",
        "/fr/",
        "/en/agencies/aurora-conseil",
        "/fr/ranking",
        "/en/reviews/transparency",
        "/en/x",
        "/fr/services",
        "/en/countries",
    ],
    ids=[
        "home-en",
        "home-fr",
        "profile",
        "ranking-fr",
        "reviews-transparency",
        "not-found",
        "browse-services-fr",
        "browse-countries-en",
    ],
)
def test_page_structure_is_accessible(live_server, page, elite_agency, path):
    page.goto(f"{live_server}{path}")
    report = page.evaluate(STRUCTURE_JS)
    assert report == {
        "h1": 1,
        "skips": 0,
        "unnamedLinks": 0,
        "unlabelled": [],
        "duplicateIds": [],
        "landmarks": True,
    }


def test_language_switch_keeps_the_section(live_server, page, elite_agency):
    page.goto(f"{live_server}/en/agencies/aurora-conseil#reviews")
    page.get_by_role("link", name="Français").click()
    page.wait_for_url(f"{live_server}/fr/agencies/aurora-conseil#reviews")


# --- Profile: contact bar, rating summary, review filters --------------------------------------

SCREENS = ARTIFACTS / "screens"
BODIES = (
    "Our SEO traffic doubled within six months; the team explained every change.",
    "Le référencement naturel a progressé, mais les délais ont glissé.",
    "The website design was delivered on time and the CRM migration went smoothly.",
    "Solid work, communication could be quicker.",
)


@pytest.fixture
def busy_agency(factory):
    """An agency with 34 reviews over every rating, some naming its services."""
    agency = factory.agency(
        name="Nordlicht Growth & Partners Digital",
        slug="nordlicht",
        program="partner",
        tier="platinum",
        tagline="Inbound, SEO and CRM for industrial companies",
        website="https://nordlicht.example",
        services=["seo", "website-design", "crm-migration"],
        offices=[
            {"country": "DE", "city": "Berlin", "headquarters": True},
            {"country": "FR", "city": "Lyon"},
            {"country": "CH", "city": "Genève"},
        ],
    )
    for n in range(34):
        rating = (5, 5, 4, 5, 3, 4, 5, 2, 5, 1)[n % 10]
        factory.review(
            agency,
            title=f"Review number {n}",
            rating=rating,
            quality=max(1, rating - n % 2),
            schedule=rating,
            cost=max(1, rating - 1),
            willing_to_refer=min(10, rating * 2),
            body=BODIES[n % len(BODIES)],
            submitted_on=today() - dt.timedelta(days=n),
            response="Thank you!" if n % 7 == 0 else None,
        )
    return agency


# Layout shifts in the profile's own blocks (bar, body, reviews, contact) while the page loads
# and scrolls: the elements that moved, by class.
LAYOUT_SHIFT_JS = """() => new Promise(resolve => {
  const moved = [];
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) for (const source of entry.sources || []) {
      const node = source.node && source.node.nodeType === 1 ? source.node : null;
      if (!node || node.closest('.profile-bar, .profile__body, #reviews, .lead-contact'))
        moved.push(node ? node.className || node.nodeName : 'text');
    }
  }).observe({type: 'layout-shift', buffered: true});
  window.scrollTo(0, document.body.scrollHeight / 2);
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(moved), 200)));
})"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_profile_contact_bar_on_desktop(live_server, page, busy_agency, lang):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/{lang}/agencies/nordlicht")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"profile-desktop-{lang}.png"))
    page.screenshot(path=str(SCREENS / f"profile-desktop-{lang}-full.png"), full_page=True)
    assert page.evaluate(LAYOUT_SHIFT_JS) == []
    # Far down the page the name and the Contact button are still at the top of the screen.
    page.locator("#reviews").scroll_into_view_if_needed()
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(200)
    contact = page.locator(".profile-bar__contact")
    box = contact.bounding_box()
    assert 0 <= box["y"] < 120 and contact.is_visible()
    assert page.locator("h1").bounding_box()["y"] >= 0
    page.screenshot(path=str(SCREENS / f"profile-desktop-{lang}-scrolled.png"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_profile_contact_bar_on_a_phone(live_server, page, busy_agency, lang):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/{lang}/agencies/nordlicht")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"profile-phone-{lang}.png"))
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    bar = page.locator(".profile-bar__cta").bounding_box()
    assert bar["y"] + bar["height"] == pytest.approx(844, abs=1)  # pinned to the bottom
    page.locator("#reviews-title").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SCREENS / f"profile-phone-{lang}-scrolled.png"))
    # At the very end nothing is hidden under the bar: the footer ends above it.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(100)
    footer = page.locator(".site-footer").bounding_box()
    bar = page.locator(".profile-bar__cta").bounding_box()
    assert footer["y"] + footer["height"] <= bar["y"] + 1
    page.screenshot(path=str(SCREENS / f"profile-phone-{lang}-end.png"))
    page.screenshot(path=str(SCREENS / f"profile-phone-{lang}-full.png"), full_page=True)


def test_contact_is_reached_with_the_keyboard(live_server, page, busy_agency):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/en/agencies/nordlicht")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('profile-bar__contact')"):
            break
    else:
        pytest.fail("the Contact button is never focused")
    assert page.locator(":focus").is_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/en/agencies/nordlicht/contact*")


def test_review_filters_work_without_javascript(live_server, nojs_page, busy_agency):
    page = nojs_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/en/agencies/nordlicht")
    assert page.get_by_text("Reviews 1–10 of 34").is_visible()
    page.get_by_label("Rating", exact=True).select_option("5")
    page.get_by_label("Service", exact=True).select_option("seo")
    page.get_by_role("button", name="Show reviews").click()
    page.wait_for_url("**rating=5&service=seo#reviews")
    # 5-star reviews are n % 10 in (0, 1, 3, 6, 8); SEO is named when n % 4 in (0, 1).
    assert page.get_by_text("Reviews 1–9 of 9").is_visible()
    assert page.locator(".reviews__list > li").count() == 9
    # A link's click does not wait for the next page: expect() does (auto-retrying).
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_text("Page 1 of 4")).to_be_visible()
    page.get_by_role("link", name="Page 4").click()
    expect(page.get_by_text("Reviews 31–34 of 34")).to_be_visible()


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_profile_review_section_passes_axe(live_server, page, busy_agency, size):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": size[0], "height": size[1]})
    for path in ("/en/agencies/nordlicht?rating=5&service=seo", "/fr/agencies/nordlicht?page=2"):
        page.goto(f"{live_server}{path}")
        page.evaluate(Axe().axe_script)
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        assert [(v["id"], v["impact"]) for v in result["violations"]] == [], path


# --- Home and browse pages at both sizes (issue 15) --------------------------------------------


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_home_and_browse_pages_fit_and_pass_axe(live_server, page, elite_agency, factory, size):
    from .test_accessibility import AXE_SCRIPT, WCAG_AA, _summary

    factory.agency(
        name="Rated Elite Partners", program="partner", tier="elite", rating_avg=4.7, review_count=9
    )
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    screens = ARTIFACTS / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    found = {}
    for lang in ("en", "fr"):
        pages = (("home", "/"), ("browse-services", "/services"), ("browse", "/countries"))
        for name, path in pages:
            page.goto(f"{live_server}/{lang}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (lang, path)
            page.evaluate(AXE_SCRIPT)
            violations = page.evaluate("options => axe.run(options)", WCAG_AA)["violations"]
            if violations:
                found[f"{lang}{path}"] = _summary(violations)
            kind = "desktop" if width > 960 else "phone"
            page.screenshot(path=str(screens / f"test-{name}-{lang}-{kind}.png"), full_page=True)
    assert not found, found
    # The home shows the agency among the top-rated of its tier, with its rating.
    page.goto(f"{live_server}/en/")
    elite = page.locator(".top-group--elite")
    assert "Rated Elite Partners" in elite.inner_text()
    assert "9 reviews" in elite.inner_text()
    assert "Aurora Conseil" not in elite.inner_text()  # no rating yet: not "top-rated"
