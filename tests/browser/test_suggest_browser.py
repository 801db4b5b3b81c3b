"""Suggestions as you type in Chromium: the WAI-ARIA combobox, keyboard, announcements, axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import _axe_violations, _start_axe, _summary


def _box(page, box_id: str):
    return page.locator(f"#{box_id}")


def test_home_box_suggests_and_the_keyboard_picks_a_place(live_server, page, directory_data):
    page.goto(f"{live_server}/en/")
    box = _box(page, "home-q")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    below = page.locator("#figures-title").locator("xpath=..").bounding_box()

    box.press_sequentially("lyo")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#home-q-status")).to_have_text(re.compile(r"^1 suggestion"))
    # The list overlays the page: nothing under the box moved.
    assert page.locator("#figures-title").locator("xpath=..").bounding_box() == below

    box.press("ArrowDown")
    option = page.get_by_role("option", name=re.compile("^Lyon"))
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search\?city=FR(:|%3A)Lyon$"))
    expect(page.locator(".result-card")).to_have_count(2)


def test_escape_closes_then_clears(live_server, page, directory_data):
    page.goto(f"{live_server}/en/")
    box = _box(page, "home-q")
    box.press_sequentially("seo")
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("seo")
    box.press("Escape")
    expect(box).to_have_value("")


def test_an_agency_opens_its_profile(live_server, page, directory_data):
    page.goto(f"{live_server}/en/")
    box = _box(page, "home-q")
    box.press_sequentially("rhone")
    expect(page.get_by_role("option")).to_have_count(1)
    box.press("ArrowUp")  # wraps to the last option
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/agencies/rhone-growth$"))


def test_on_results_a_pick_joins_the_filters_already_chosen(live_server, page, directory_data):
    page.goto(f"{live_server}/en/search?service=seo")
    box = _box(page, "search-q")
    box.press_sequentially("lyo")
    page.get_by_role("option", name=re.compile("^Lyon")).click()
    expect(page).to_have_url(re.compile(r"service=seo"))
    assert re.search(r"city=FR(:|%3A)Lyon", page.url)
    expect(page.locator(".result-card")).to_have_count(1)


def test_french_announcement_and_no_axe_violation(live_server, browser, directory_data):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/fr/")
        box = _box(page, "home-q")
        box.press_sequentially("se")
        expect(page.locator("#home-q-status")).to_have_text(
            re.compile(r"^\d+ suggestions, utilisez les flèches")
        )
        box.press("ArrowDown")
        _start_axe(page)
        assert _summary(_axe_violations(page)) == []
    finally:
        context.close()


def test_without_javascript_the_box_is_a_plain_search(live_server, nojs_page, directory_data):
    page = nojs_page
    page.goto(f"{live_server}/en/")
    box = _box(page, "home-q")
    assert box.get_attribute("role") is None
    box.fill("growth")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/search\?q=growth$"))
    expect(page.locator(".result-card").first).to_contain_text("Rhône Growth")
