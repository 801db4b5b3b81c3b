"""Search in a real browser: with JavaScript (filters apply on change) and without (GET form)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE_SCRIPT, WCAG_AA, _summary


def _count(page) -> str:
    return page.locator("#search-count").inner_text()


def test_search_with_javascript(live_server, page, directory_data):
    page.goto(f"{live_server}/en/search")
    page.get_by_label("Service, skill or agency name").fill("markting lyon")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".result-card").first).to_contain_text("Rhône Growth")

    # Clear the words, then pick two services and a country: applied on change, no button.
    page.get_by_label("Service, skill or agency name").fill("")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    page.get_by_label(re.compile(r"^Search engine optimization")).check()
    expect(page.locator(".search-chip", has_text="Search engine optimization")).to_be_visible()
    assert page.url.endswith("service=seo")
    page.get_by_label(re.compile(r"^Content marketing")).check()
    expect(page.locator(".search-chip", has_text="Content marketing")).to_be_visible()
    # Focus stayed on the checkbox just ticked, and the count was announced.
    assert page.evaluate("document.activeElement.value") == "content-marketing"
    expect(page.locator("#search-status")).to_have_text(re.compile(r"3 agencies found"))
    page.get_by_label(re.compile(r"^France")).check()
    expect(page.locator(".search-chip", has_text="Country: France")).to_be_visible()
    expect(page.locator("#search-count")).to_have_text(re.compile(r"3 agencies found"))
    assert "country=FR" in page.url

    # Removing a chip removes that filter only.
    page.locator(".search-chip", has_text="Content marketing").click()
    expect(page.locator("#search-count")).to_have_text(re.compile(r"2 agencies found"))

    page.get_by_role("link", name="Seine Référencement", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/agencies/seine-referencement$"))


def test_search_without_javascript(live_server, nojs_page, directory_data):
    page = nojs_page
    page.goto(f"{live_server}/en/search")
    page.get_by_label("Service, skill or agency name").fill("markting lyon")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".result-card").first).to_contain_text("Rhône Growth")

    page.get_by_label("Service, skill or agency name").fill("")
    page.get_by_label(re.compile(r"^Search engine optimization")).check()
    page.get_by_label(re.compile(r"^Content marketing")).check()
    page.get_by_label(re.compile(r"^France")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#search-count")).to_have_text(re.compile(r"3 agencies found"))
    for chip in ("Search engine optimization", "Content marketing", "Country: France"):
        expect(page.locator(".search-chip", has_text=chip)).to_be_visible()
    assert "country=FR" in page.url and "service=seo" in page.url

    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Sort", exact=True).click()
    names = page.locator(".result-card__name").all_inner_texts()
    assert names == sorted(names, key=str.casefold)

    page.get_by_role("link", name="Rhône Growth", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/agencies/rhone-growth$"))


SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def test_filters_are_a_sidebar_on_a_wide_screen(live_server, page, directory_data):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/en/search")
    expect(page.get_by_label(re.compile(r"^Search engine optimization"))).to_be_visible()
    expect(page.locator(".search-drawer__toggle")).to_be_hidden()
    sidebar = page.locator("#search-filters").bounding_box()
    results = page.locator("#search-results").bounding_box()
    assert sidebar["x"] + sidebar["width"] <= results["x"]  # side by side
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "search-sidebar-en-desktop.png"), full_page=True)


def test_filters_are_a_drawer_on_a_phone(live_server, page, directory_data):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/fr/search")
    toggle = page.locator(".search-drawer__toggle")
    expect(toggle).to_have_text(re.compile(r"Filtres\s*·\s*4 résultats"))
    seo = page.get_by_label(re.compile(r"^Référencement naturel"))
    expect(seo).to_be_hidden()  # folded: the results come first
    toggle.click()
    expect(page.get_by_role("heading", name="Filtrer les résultats")).to_be_focused()
    seo.check()
    expect(page.locator("#search-count")).to_have_text(re.compile(r"2 agences trouvées"))
    apply = page.get_by_role("button", name="Voir 2 résultats")
    expect(apply).to_be_visible()  # the drawer stayed open, its button counts the results
    page.screenshot(path=str(SCREENS / "search-drawer-open-fr-phone.png"))
    page.evaluate(AXE_SCRIPT)
    violations = page.evaluate("options => axe.run(options)", WCAG_AA)["violations"]
    assert not violations, _summary(violations)
    apply.click()
    expect(seo).to_be_hidden()
    expect(page.locator(".search-drawer__toggle")).to_have_text(re.compile(r"Filtres \(1\)"))
    toggle = page.locator(".search-drawer__toggle")
    toggle.click()
    page.keyboard.press("Escape")
    expect(seo).to_be_hidden()
    expect(toggle).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_drawer_works_without_javascript_on_a_phone(live_server, nojs_page, directory_data):
    page = nojs_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/en/search")
    page.get_by_label(re.compile(r"^Search engine optimization")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".search-drawer__toggle")).to_have_text(re.compile(r"2 results"))


def test_home_what_and_where_search(live_server, page, directory_data):
    page.goto(f"{live_server}/en/")
    page.get_by_label("What do you need?").fill("seo")
    page.get_by_label("Where?").fill("Lyon")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/search\?q=seo\+Lyon$"))
    expect(page.locator(".search-chip--understood", has_text="Lyon")).to_be_visible()
    expect(page.locator(".result-card")).to_have_count(1)
    expect(page.locator(".result-card__why")).to_contain_text("office in Lyon, France")


def test_home_where_box_suggests_places_and_fills_itself(live_server, page, directory_data):
    page.goto(f"{live_server}/en/")
    page.get_by_label("What do you need?").fill("seo")
    where = page.locator("#home-where")
    expect(where).to_have_attribute("role", "combobox")
    where.press_sequentially("ly")
    expect(page.locator("#home-where-listbox").get_by_role("option")).to_have_text(
        [re.compile(r"^Lyon")]
    )
    where.press("ArrowDown")
    where.press("Enter")
    expect(where).to_have_value("Lyon")
    assert page.url == f"{live_server}/en/"  # still on the home page: the "what" is kept
    where.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search\?q=seo\+Lyon$"))


def test_a_service_picked_in_the_what_box_keeps_the_where(live_server, page, directory_data):
    page.goto(f"{live_server}/en/")
    page.get_by_label("Where?").fill("Lyon")
    what = page.locator("#home-q")
    what.press_sequentially("search engine")
    option = page.locator("#home-q-listbox").get_by_role(
        "option", name=re.compile(r"^Search engine optimization")
    )
    option.first.click()
    expect(page).to_have_url(re.compile(r"/en/search\?q=Search\+engine\+optimization\+Lyon$"))
    expect(page.locator(".result-card")).to_have_count(1)
