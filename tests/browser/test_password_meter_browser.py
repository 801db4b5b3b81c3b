"""The password strength meter in Chromium: the server's verdict, in words, announced politely;
without JavaScript the forms work and the meter stays hidden (issue 14)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from tests.support.factories import PASSWORD

METER = ".password-meter__text"


def test_meter_says_weak_then_strong_in_words(live_server, page):
    page.goto(f"{live_server}/en/account/signup")
    meter = page.locator(".password-meter")
    assert meter.is_visible()
    assert page.locator(METER).get_attribute("aria-live") == "polite"
    page.fill("input[name=password]", "short")
    assert page.locator(METER).inner_text() == "Too short: 5 of 12 characters."
    page.fill("input[name=password]", "password1234")
    page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('Weak password.')", arg=METER
    )
    assert "lists of common or leaked passwords" in page.locator(METER).inner_text()
    assert meter.get_attribute("data-level") == "1"
    page.fill("input[name=password]", PASSWORD)
    page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('Strong password')", arg=METER
    )
    assert meter.get_attribute("data-level") == "4"
    # The meter as shown, with its text, passes axe (contrast of the words included).
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
    assert results.violations_count == 0, results.generate_report()


def test_meter_speaks_french(live_server, page, french_catalog):
    page.goto(f"{live_server}/fr/account/signup")
    page.fill("input[name=password]", "azertyuiop12")
    page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('Mot de passe faible.')",
        arg=METER,
    )


def test_without_javascript_the_meter_is_hidden_and_the_server_refuses(live_server, nojs_page):
    page = nojs_page
    page.goto(f"{live_server}/en/account/signup")
    assert not page.locator(".password-meter").is_visible()
    page.fill("input[name=email]", "ana@example.com")
    page.fill("input[name=password]", "123456789012")
    page.click("form button[type=submit]")
    page.wait_for_selector("text=lists of common or leaked passwords")


def test_meter_falls_silent_when_the_check_fails(live_server, page):
    page.route("**/password-check", lambda route: route.fulfill(status=429, body="{}"))
    page.goto(f"{live_server}/en/account/signup")
    page.fill("input[name=password]", "password1234")
    page.wait_for_function(
        "s => document.querySelector(s).textContent === ''", arg=METER, timeout=5000
    )
