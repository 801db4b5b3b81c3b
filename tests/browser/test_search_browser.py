"""Search in a real browser: with JavaScript (filters apply on change) and without (GET form)."""

from __future__ import annotations

import re

from playwright.sync_api import expect


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

    page.get_by_role("link", name="Seine Référencement").click()
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

    page.get_by_role("link", name="Rhône Growth").click()
    expect(page).to_have_url(re.compile(r"/en/agencies/rhone-growth$"))
