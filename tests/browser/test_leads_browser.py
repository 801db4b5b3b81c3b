"""Leads in a real browser: the profile's contact form, and the get-matched flow (EN and FR)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.db import db
from directory.models import Lead


def _leads() -> list[Lead]:
    db.session.expire_all()
    return list(db.session.scalars(select(Lead).order_by(Lead.agency_id)))


def test_contact_form_end_to_end(live_server, page, factory):
    agency = factory.agency(name="Acme Growth", services=["seo", "branding"])
    page.goto(f"{live_server}/en/agencies/{agency.slug}")
    # The profile links to the contact form's own page (the profile stays cacheable).
    page.get_by_role("link", name="Contact Acme Growth").first.click()
    page.wait_for_url(re.compile(rf"/en/agencies/{agency.slug}/contact$"))
    form = page.locator("form.lead-form")
    # The honeypot is moved off-screen by CSS: people never see it.
    box = page.locator(".lead-hp input").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
    form.locator("#lead-name").fill("Ada Lovelace")
    form.locator("#lead-email").fill("ada@example.com")
    form.locator("#lead-company").fill("Analytical Engines")
    form.locator("#lead-company_size").select_option("mid-market")
    form.locator("#lead-country").select_option("FR")
    form.locator("#lead-budget_band").select_option("10k-25k")
    form.locator("#lead-timeline").select_option("asap")
    form.locator("input[name=services][value=seo]").check()
    form.locator("#lead-message").fill("We need <b>SEO</b> help.")
    form.locator("#lead-consent").check()
    form.locator("button[type=submit]").click()

    page.wait_for_url(re.compile(rf"/en/agencies/{agency.slug}/contact/sent(#contact)?$"))
    assert page.locator("h1").inner_text() == "Your request was sent"
    (lead,) = _leads()
    assert lead.agency_id == agency.id and lead.message == "We need <b>SEO</b> help."


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_match_flow_end_to_end(live_server, page, factory, lang):
    near = factory.agency(name="Near", services=["seo", "branding"], languages=["fr"],
                          program="partner", tier="elite")  # fmt: skip
    far = factory.agency(name="Far", services=["seo"], offices=[{"country": "US"}])
    factory.agency(name="Unlisted", services=["seo", "branding"], listed=False)

    page.goto(f"{live_server}/{lang}/match")
    assert page.locator("html").get_attribute("lang") == lang
    criteria = page.locator("form.lead-form")
    criteria.locator("input[name=services][value=seo]").check()
    criteria.locator("input[name=services][value=branding]").check()
    criteria.locator("#location").select_option("FR")
    criteria.locator("input[name=languages][value=fr]").check()
    criteria.locator("button[type=submit]").click()

    # Step 2: proposals in rank order, none pre-selected; the unlisted agency is not offered.
    proposals = page.locator(".lead-proposal")
    proposals.first.wait_for()
    assert proposals.count() == 2
    assert proposals.nth(0).locator(".lead-proposal__name").inner_text() == "Near"
    assert proposals.nth(0).locator(".lead-reasons li").count() >= 3
    assert proposals.nth(0).locator(".lead-proposal__place").inner_text() == "Paris, France"
    boxes = page.locator("input[name=agencies]")
    assert [boxes.nth(i).is_checked() for i in range(2)] == [False, False]
    page.locator(f"input[name=agencies][value='{near.id}']").check()
    assert far.id != near.id
    page.locator("#name").fill("Ada Lovelace")
    page.locator("#email").fill("ada@example.com")
    page.locator("#company").fill("Analytical Engines")
    page.locator("#message").fill("Un site en français.")
    page.locator("#consent").check()
    page.locator("button.button--primary[type=submit]").click()

    page.wait_for_url(re.compile(rf"/{lang}/match/sent$"))
    assert page.locator("h1").is_visible()
    leads = _leads()
    assert [(lead.agency_id, lead.source, lead.locale) for lead in leads] == [
        (near.id, "match", lang)
    ]


def test_match_flow_works_without_javascript(live_server, nojs_page, factory):
    agency = factory.agency(name="Plain", services=["seo"])
    page = nojs_page
    page.goto(f"{live_server}/en/match")
    page.locator("input[name=services][value=seo]").check()
    page.locator("form.lead-form button[type=submit]").click()
    page.locator(".lead-proposal").first.wait_for()
    # "Change my answers" carries the criteria back to step 1.
    page.locator("button[name=edit]").click()
    page.wait_for_url(re.compile(r"/en/match$"))
    assert page.locator("input[name=services][value=seo]").is_checked()
    page.locator("form.lead-form button[type=submit]").click()
    # Sent without choosing: a field message, nothing sent.
    page.locator("#name").fill("Ada")
    page.locator("#email").fill("ada@example.com")
    page.locator("#company").fill("AE")
    page.locator("#message").fill("Hello")
    page.locator("#consent").check()
    page.locator("button.button--primary[type=submit]").click()
    assert page.locator("#agencies-errors").inner_text() == "Choose at least one agency."
    assert _leads() == []
    page.locator(f"input[name=agencies][value='{agency.id}']").check()
    page.locator("#name").fill("Ada")
    page.locator("#email").fill("ada@example.com")
    page.locator("#company").fill("AE")
    page.locator("#message").fill("Hello")
    page.locator("#consent").check()
    page.locator("button.button--primary[type=submit]").click()
    page.wait_for_url(re.compile(r"/en/match/sent$"))
    assert [lead.agency_id for lead in _leads()] == [agency.id]


def test_lead_pages_are_well_structured_and_fit_a_phone(live_server, page, factory):
    from .test_public_browser import STRUCTURE_JS

    agency = factory.agency(name="Tidy", services=["seo"])
    page.set_viewport_size({"width": 360, "height": 740})
    expected = {"h1": 1, "skips": 0, "unnamedLinks": 0, "unlabelled": [], "duplicateIds": [],
                "landmarks": True}  # fmt: skip
    for path in (f"/en/agencies/{agency.slug}", f"/fr/agencies/{agency.slug}/contact", "/en/match"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate(STRUCTURE_JS) == expected, path
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    page.locator("input[name=services][value=seo]").check()
    page.locator("form.lead-form button[type=submit]").click()
    page.locator(".lead-proposal").first.wait_for()
    assert page.evaluate(STRUCTURE_JS) == expected


def test_match_choice_is_limited_to_three(live_server, page, factory):
    for n in range(5):
        factory.agency(name=f"Seo {n}", services=["seo"])
    page.goto(f"{live_server}/en/match")
    page.locator("input[name=services][value=seo]").check()
    page.locator("form.lead-form button[type=submit]").click()
    boxes = page.locator("input[name=agencies]")
    boxes.first.wait_for()
    assert boxes.count() == 5
    for i in range(3):
        boxes.nth(i).check()
    status = page.locator(".lead-proposals__count")
    assert status.inner_text() == "3 of 3 chosen."
    boxes.nth(3).click()
    assert not boxes.nth(3).is_checked()
    assert "untick one" in status.inner_text()
    boxes.nth(0).uncheck()
    boxes.nth(3).check()
    assert [boxes.nth(i).is_checked() for i in range(5)] == [False, True, True, True, False]
