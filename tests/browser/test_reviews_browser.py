"""Reviews in a real browser: write one from the profile, confirm it by the emailed link, an
administrator approves it, and it shows on the profile; the badge builder with and without JS."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from directory.db import db
from directory.models import Review
from tests.support.factories import add_member, make_user
from tests.support.web import mail_link, sign_in_page

from .conftest import ARTIFACTS

SCREENS = ARTIFACTS / "screens"


def test_review_from_profile_to_publication(app, live_server, page, factory):
    agency = factory.agency(name="Acme Growth", slug="acme")
    make_user("admin@example.com", admin=True)
    page.goto(f"{live_server}/en/agencies/acme")
    page.get_by_role("link", name=re.compile("Write a review")).click()
    page.wait_for_url(re.compile(r"/en/agencies/acme/review$"))

    # Radio groups are named by their legend; each choice by its visible number.
    def choose(group, value: str) -> None:
        page.get_by_role("group", name=group).get_by_role(
            "radio", name=re.compile(rf"^{value}\b")
        ).check()

    choose("Overall rating", "5")
    for group in ("Quality of work", "Schedule", "Value for money"):
        choose(group, "4")
    choose(re.compile("refer this agency"), "9")
    overall = page.get_by_role("group", name="Overall rating")
    assert overall.get_by_role("radio", name="5 (5: excellent)").is_checked()
    month = page.get_by_role("group", name="When did the project take place?")
    month.get_by_label("Month").select_option(label="March")
    month.get_by_label("Year").select_option("2025")
    page.get_by_label(re.compile("^Which service was the project about")).select_option(
        label="Search engine optimization"
    )
    page.get_by_label("Title of your review").fill("A steady partner")
    page.get_by_label(re.compile("^Challenge")).fill("Our pipeline had stalled for a year.")
    page.get_by_label(re.compile("^Results")).fill("Twice the demo requests in six months.")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_label(re.compile("I agree to the publication")).check()
    box = page.locator(".review-hp input").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # the honeypot is off-screen
    page.get_by_role("button", name="Send my review").click()
    page.wait_for_url(re.compile(r"/en/agencies/acme/review/sent$"))
    assert page.locator("h1").inner_text() == "Check your inbox"

    page.goto(mail_link("ada@example.com", "/reviews/verify/"))
    assert "A steady partner" in page.content()
    page.get_by_role("button", name="Confirm my review").click()
    expect(page.locator("h1")).to_have_text("Thank you for your review")  # waits for the page

    sign_in_page(page, live_server, "admin@example.com")
    page.goto(f"{live_server}/en/admin/reviews")
    page.locator("article.moderation").get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/en/admin/reviews$"))
    assert "Nothing to moderate." in page.content()

    page.goto(f"{live_server}/en/agencies/acme")
    review = page.locator("li.review", has_text="A steady partner")
    assert review.count() == 1
    assert "Verified email" in review.inner_text()
    assert "Project: Search engine optimization, March 2025" in review.inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(Review.status)) == "approved"
    assert agency.id


def test_badge_builder_with_and_without_javascript(app, live_server, page, nojs_page, factory):
    agency = factory.agency(name="Acme Growth", slug="acme")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")

    sign_in_page(nojs_page, live_server, "owner@example.com")
    nojs_page.goto(f"{live_server}/en/dashboard/acme/badge")
    nojs_page.select_option("select[name=theme]", "dark")
    nojs_page.get_by_role("button", name="Update preview").click()
    nojs_page.wait_for_url(re.compile(r"theme=dark"))
    assert "theme=dark" in nojs_page.locator("[data-badge-preview]").get_attribute("src")
    assert "theme=dark" in nojs_page.locator("#badge-snippet").input_value()

    sign_in_page(page, live_server, "owner@example.com")
    page.goto(f"{live_server}/en/dashboard/acme/badge")
    expect(page.get_by_role("button", name="Update preview")).to_be_hidden()
    page.select_option("select[name=size]", "large")
    expect(page.locator("[data-badge-preview]")).to_have_attribute("src", re.compile("size=large"))
    assert "size=large" in page.locator("#badge-snippet").input_value()
    assert page.get_by_role("button", name="Copy").is_visible()


def test_review_pages_are_well_structured(app, live_server, page, factory):
    from tests.browser.test_public_browser import STRUCTURE_JS

    agency = factory.agency(name="Acme Growth", slug="acme")
    review = factory.review(agency, title="Solid", background="Context", results="Results")
    factory.review(agency, status="pending", title="Waiting")
    owner = make_user("owner@example.com", admin=True)
    add_member(owner, agency, "owner")
    expected = {
        "h1": 1,
        "skips": 0,
        "unnamedLinks": 0,
        "unlabelled": [],
        "duplicateIds": [],
        "landmarks": True,
    }
    public = [
        "/en/agencies/acme/review",
        "/fr/agencies/acme/review",
        f"/en/reviews/{review.id}/report",
        "/fr/reviews/transparency",
    ]
    for path in public:
        page.goto(f"{live_server}{path}")
        assert page.evaluate(STRUCTURE_JS) == expected, path
    sign_in_page(page, live_server, "owner@example.com")
    for path in ("/en/dashboard/acme/reviews", "/en/dashboard/acme/badge", "/en/admin/reviews"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate(STRUCTURE_JS) == expected, path


def test_review_service_form_and_filter_at_both_sizes_and_languages(
    live_server, browser, factory, french_catalog
):
    """The service select on the form and the profile filtered by it, screenshot per size and
    language; the select is labelled, and the filtered cards say which service."""
    agency = factory.agency(name="Nordlicht", slug="nordlicht", services=["seo", "branding"])
    for n, service in enumerate(("seo", "branding", "seo", None)):
        factory.review(agency, title=f"Review {n}", service=service, body="Solid work.")
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for lang, label, project in (
            ("en", "Which service was the project about", "Search engine optimization"),
            ("fr", "Sur quel service portait le projet", "Référencement naturel"),
        ):
            page.goto(f"{live_server}/{lang}/agencies/nordlicht/review")
            select = page.get_by_label(re.compile("^" + re.escape(label)))
            assert select.locator("option").count() == 4  # choose, two services, other
            select.select_option("seo")
            page.screenshot(path=str(SCREENS / f"review-form-{lang}-{width}.png"), full_page=True)
            page.goto(f"{live_server}/{lang}/agencies/nordlicht?service=seo#reviews")
            cards = page.locator("li.review")
            expect(cards).to_have_count(2)
            assert all(project in text for text in cards.all_inner_texts())
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(
                path=str(SCREENS / f"profile-reviews-service-{lang}-{width}.png"), full_page=True
            )
        context.close()
