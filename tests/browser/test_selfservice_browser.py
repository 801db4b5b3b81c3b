"""Self-service in Chromium: sign up to published profile, logo upload, stale-edit conflict."""

from __future__ import annotations

import datetime as dt
import io
import re

from PIL import Image
from sqlalchemy import select

from directory.db import db, today
from directory.models import Agency
from tests.support.factories import PASSWORD, add_member, make_user
from tests.support.web import mail_link, sign_in_page


def test_signup_to_published_profile(app, live_server, page, browser):
    base = live_server
    # Sign up and confirm the address from the mail outbox.
    page.goto(f"{base}/en/account/signup")
    page.fill("input[name=email]", "founder@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    page.goto(mail_link("founder@example.com"))
    page.click("text=Confirm my address")
    page.wait_for_selector("text=Your email address is confirmed.")
    sign_in_page(page, base, "founder@example.com")

    # Create an agency.
    page.click("text=Add a new agency")
    page.fill("input[name=name]", "Chromium Growth Partners")
    page.select_option("select[name=country]", "FR")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/edit$"))
    slug = "chromium-growth-partners"

    # Submit its inbound certification.
    page.goto(f"{base}/en/dashboard/agencies/{slug}/certifications")
    page.fill("input[name=certificate_id]", "INB-2026-42")
    page.fill("input[name=issued_on]", (today() - dt.timedelta(days=5)).isoformat())
    page.fill("input[name=expires_on]", (today() + dt.timedelta(days=360)).isoformat())
    page.click("text=Submit for verification")
    page.wait_for_selector("text=Waiting for verification")

    # An administrator verifies it.
    make_user("admin@example.com", admin=True)
    admin_context = browser.new_context(locale="en-US")
    admin = admin_context.new_page()
    sign_in_page(admin, base, "admin@example.com")
    admin.goto(f"{base}/en/admin/certifications")
    admin.click("button:has-text('Verify')")
    admin.wait_for_selector("text=Certification INB-2026-42 verified.")
    admin_context.close()

    # The agency edits, previews and publishes.
    page.goto(f"{base}/en/dashboard/agencies/{slug}/edit")
    page.fill("input[name=tagline]", "Inbound marketing for French scale-ups")
    page.fill("textarea[name=description]", "We **grow** B2B companies.\n\n- SEO\n- Content")
    page.check("input[name=services][value=seo]")
    page.check("input[name=industries][value=software]")
    page.fill("input[name='offices-0-city']", "Lyon")
    page.click("text=Save the draft and preview")
    page.wait_for_url(re.compile(r".*/preview$"))
    assert page.locator("h1", has_text="Chromium Growth Partners").is_visible()
    assert page.locator(".prose strong", has_text="grow").is_visible()
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Your changes are published.")
    page.wait_for_selector("text=Listed: see the public profile")

    # It is on its public profile, and in search when the search page exists.
    page.goto(f"{base}/en/agencies/{slug}")
    assert page.locator("h1", has_text="Chromium Growth Partners").is_visible()
    assert page.locator("text=Inbound marketing for French scale-ups").is_visible()
    if "search.results" in app.view_functions:
        page.goto(f"{base}/en/search?q=Chromium")
        page.wait_for_selector("text=Chromium Growth Partners")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_logo_upload(app, factory, live_server, page):
    agency = factory.agency(slug="logo-co", name="Logo Co")
    add_member(make_user("m@example.com"), agency)
    sign_in_page(page, live_server, "m@example.com")
    page.goto(f"{live_server}/en/dashboard/agencies/logo-co/logo")
    page.set_input_files(
        "input[name=logo]", files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.click("text=Upload")
    page.wait_for_selector("text=Your logo was updated.")
    src = page.locator("#current-logo").get_attribute("src")
    assert re.fullmatch(r"/files/\d+-[0-9a-f]{16}\.webp", src)
    response = page.request.get(f"{live_server}{src}")
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["x-content-type-options"] == "nosniff"
    # An SVG is refused with a message.
    page.set_input_files(
        "input[name=logo]",
        files=[
            {"name": "x.svg", "mimeType": "image/svg+xml", "buffer": b"<svg onload='alert(1)'/>"}
        ],
    )
    page.click("text=Upload")
    page.wait_for_selector("text=This file type is not accepted")


def test_stale_edit_shows_a_conflict(app, factory, live_server, page):
    agency = factory.agency(slug="stale-co", name="Stale Co")
    add_member(make_user("m@example.com"), agency)
    sign_in_page(page, live_server, "m@example.com")
    page.goto(f"{live_server}/en/dashboard/agencies/stale-co/edit")
    # Meanwhile, the name is changed and published elsewhere (an administrator, an import).
    found = db.session.scalar(select(Agency).where(Agency.slug == "stale-co"))
    found.name = "Renamed Elsewhere"
    db.session.commit()
    page.fill("input[name=name]", "My New Name")
    page.click("text=Save the draft and preview")
    conflict = page.locator("#conflict")
    conflict.wait_for()
    assert "Renamed Elsewhere" in conflict.inner_text()
    assert "My New Name" in conflict.inner_text()
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).name == "Renamed Elsewhere"


def test_offices_editor_without_javascript(app, factory, live_server, nojs_page):
    page = nojs_page
    agency = factory.agency(slug="nojs-co", name="No JS Co")
    add_member(make_user("m@example.com"), agency)
    sign_in_page(page, live_server, "m@example.com")
    page.goto(f"{live_server}/en/dashboard/agencies/nojs-co/edit")
    assert page.locator(".office-row").count() == 1
    page.click("text=Add an office")
    assert page.locator(".office-row").count() == 2
    page.select_option("select[name='offices-1-country']", "DE")
    page.fill("input[name='offices-1-city']", "Berlin")
    page.check("input[name=headquarters][value='1']")
    page.click("text=Save the draft and preview")
    page.wait_for_url(re.compile(r".*/preview$"))
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Your changes are published.")
    db.session.expire_all()
    found = db.session.get(Agency, agency.id)
    assert [o.country for o in found.offices] == ["FR", "DE"]
    assert found.headquarters.city == "Berlin"


def test_offices_editor_with_javascript_adds_rows_in_place(app, factory, live_server, page):
    agency = factory.agency(slug="js-co", name="JS Co")
    add_member(make_user("m@example.com"), agency)
    sign_in_page(page, live_server, "m@example.com")
    page.goto(f"{live_server}/en/dashboard/agencies/js-co/edit")
    page.fill("input[name=tagline]", "typed before adding a row")
    page.click("text=Add an office")
    assert page.locator(".office-row").count() == 2
    assert page.input_value("input[name=tagline]") == "typed before adding a row"  # no reload
    page.select_option("select[name='offices-1-country']", "ES")
    page.fill("input[name='offices-1-city']", "Madrid")
    page.click("text=Save the draft and preview")
    page.wait_for_url(re.compile(r".*/preview$"))
    assert page.locator("text=Madrid").first.is_visible()


def test_admin_tier_change_reorders_search(app, factory, live_server, page):
    """An administrator raises a tier and the browse order of search changes at once."""
    base = live_server
    lyon = {"country": "FR", "city": "Lyon", "lat": 45.75, "lng": 4.85}
    common = {"program": "partner", "services": ["seo"], "offices": None}
    factory.agency(
        name="Gold Works", slug="gold-works", tier="gold", **{**common, "offices": [dict(lyon)]}
    )
    factory.agency(
        name="Platinum Works",
        slug="platinum-works",
        tier="platinum",
        **{**common, "offices": [dict(lyon)]},
    )

    def order() -> list[str]:
        page.goto(f"{base}/en/search?service=seo&country=FR")
        return page.locator(".result-card__name").all_inner_texts()

    first = order()
    assert [n.strip() for n in first[:2]] == ["Platinum Works", "Gold Works"]

    make_user("tiers@example.com", admin=True)
    sign_in_page(page, base, "tiers@example.com")
    page.goto(f"{base}/en/admin/agencies/gold-works")
    page.select_option("select[name=tier]", "elite")
    page.click("form[action$='/program'] button[type=submit]")
    page.wait_for_load_state()

    after = order()
    assert [n.strip() for n in after[:2]] == ["Gold Works", "Platinum Works"]
