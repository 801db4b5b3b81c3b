"""Accessibility in Chromium: axe-core (WCAG 2.0/2.1 A and AA) on the key pages, EN and FR,
and keyboard checks (skip link, tab order on the search page, visible focus).

One test seeds the data once and walks every page with one live server: axe runs take most of
the time, and seeding per page would triple it. Violations are collected for every page and
reported together, so one run shows everything that is wrong.
"""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from directory.db import db, utcnow
from directory.models import Lead
from tests._selfservice import PASSWORD, add_member, make_user

from ..search_helpers import make_directory
from .conftest import ARTIFACTS
from .test_public_browser import _french_catalog  # noqa: F401 (autouse: compiles the FR .mo)

AXE = Axe()
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LANGS = ("en", "fr")


def _axe(page, *, disable: tuple[str, ...] = ()) -> list[dict]:
    """The axe violations of the page now shown (``disable``: rules that cannot apply)."""
    options = dict(WCAG_AA)
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    return AXE.run(page, options=options).response["violations"]


def _summary(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {', '.join(map(str, node['target']))}"
                f" — {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return lines


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/en/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(dashboard|admin)/.*"))


@pytest.fixture
def seeded(factory):
    """An indexed directory, a reviewed partner agency with a member, a lead, a pending cert."""
    data = make_directory(factory)
    agency = data["paris_seo"]
    factory.review(agency, title="Excellent project", rating=5, quality=5, source="invitation")
    factory.review(agency, title="Solid work", rating=4, source="imported", author_email=None)
    factory.agency(name="Pending Agency", slug="pending-agency", listed=False)
    member = make_user("member@example.com", admin=True)
    add_member(member, agency, role="owner")
    db.session.add(
        Lead(
            agency_id=agency.id,
            source="contact",
            name="Grace Hopper",
            email="grace@example.com",
            company="Navy",
            services=["seo"],
            message="Hello",
            consent_version="test",
            consent_at=utcnow(),
        )
    )
    db.session.commit()
    return {"agency": agency, "member": member}


def _pages(slug: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, path template with {lang}, axe rules disabled) of every page checked."""
    return [
        ("home", "/{lang}/", ()),
        ("search", "/{lang}/search?q=seo&service=seo&country=FR", ()),
        ("service landing", "/{lang}/services/seo", ()),
        ("agency profile", f"/{{lang}}/agencies/{slug}", ()),
        ("ranking", "/{lang}/ranking", ()),
        ("reviews transparency", "/{lang}/reviews/transparency", ()),
        ("review form", f"/{{lang}}/agencies/{slug}/review", ()),
        ("contact form", f"/{{lang}}/agencies/{slug}/contact", ()),
        ("match", "/{lang}/match", ()),
        ("sign in", "/{lang}/account/login", ()),
        ("sign up", "/{lang}/account/signup", ()),
        ("404", "/{lang}/no-such-page", ()),
        ("embed widget", f"/embed/{slug}?lang={{lang}}", ()),
    ]


def _private_pages(slug: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        ("dashboard", "/{lang}/dashboard/", ()),
        ("profile edit", f"/{{lang}}/dashboard/agencies/{slug}/edit", ()),
        ("certification queue", "/{lang}/admin/certifications", ()),
        ("lead inbox", f"/{{lang}}/dashboard/{slug}/leads", ()),
    ]


def test_key_pages_have_no_axe_violations(live_server, browser, seeded):
    slug = seeded["agency"].slug
    found: dict[str, list[str]] = {}
    anonymous = browser.new_context()
    member = browser.new_context()
    try:
        page = anonymous.new_page()
        for lang in LANGS:
            for name, path, disable in _pages(slug):
                page.goto(live_server + path.format(lang=lang))
                violations = _axe(page, disable=disable)
                if violations:
                    found[f"{name} ({lang})"] = _summary(violations)
            # Step 2 of "get matched": the proposals, reached by submitting the criteria.
            page.goto(f"{live_server}/{lang}/match")
            form = page.locator("form.lead-form")
            form.locator("input[name=services][value=seo]").check()
            form.locator("button[type=submit]").click()
            page.locator(".lead-proposal").first.wait_for()
            violations = _axe(page)
            if violations:
                found[f"match results ({lang})"] = _summary(violations)
        signed_in = member.new_page()
        _sign_in(signed_in, live_server, seeded["member"].email)
        for lang in LANGS:
            for name, path, disable in _private_pages(slug):
                signed_in.goto(live_server + path.format(lang=lang))
                violations = _axe(signed_in, disable=disable)
                if violations:
                    found[f"{name} ({lang})"] = _summary(violations)
    finally:
        anonymous.close()
        member.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(found, indent=2, ensure_ascii=False))
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)


# --- Keyboard ----------------------------------------------------------------------------------

# What the focused element is, and whether its focus is visible (outline or box-shadow).
FOCUSED_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name"),
    cls: el.className,
    text: (el.innerText || el.value || "").trim().slice(0, 40),
    inMain: !!el.closest("main"),
    inResults: !!el.closest("#search-results .result-card"),
    focusVisible: el.matches(":focus-visible"),
    indicator: outline || style.boxShadow !== "none",
  };
}"""


def _tab_walk(page, stops: int) -> list[dict]:
    """Press Tab ``stops`` times from the top of the page; what got focus at each stop."""
    page.locator("body").focus()
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused["tag"] == "body":  # past the last stop
            break
        seen.append(focused)
    return seen


@pytest.fixture
def directory_data(factory):
    return make_directory(factory)


def test_skip_link_search_tab_order_and_visible_focus(live_server, page, directory_data):
    # The skip link is the first stop on every page, and moves focus to <main>.
    paths = ("/en/", "/fr/search", "/en/agencies/rhone-growth", "/fr/match", "/en/account/login")
    for path in paths:
        page.goto(live_server + path)
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUSED_JS)
        assert "skip-link" in first["cls"] and first["indicator"], (path, first)
        assert page.locator(".skip-link").is_visible(), path
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", path

    # The search page: the query box, then the facets, then the results, in that order; every
    # stop on the way shows where focus is.
    page.goto(f"{live_server}/en/search?q=marketing&service=content-marketing")
    stops = _tab_walk(page, 150)
    order = [
        next(i for i, s in enumerate(stops) if s["id"] == "search-q"),
        next(i for i, s in enumerate(stops) if s["id"].startswith("f-")),
        next(i for i, s in enumerate(stops) if s["inResults"]),
    ]
    assert order == sorted(order), order
    hidden = [s for s in stops if not (s["focusVisible"] and s["indicator"])]
    assert hidden == [], hidden
