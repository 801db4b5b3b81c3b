"""Accessibility in Chromium: axe-core (WCAG 2.0/2.1 A and AA) on the key pages, EN and FR,
and keyboard checks (skip link, tab order on the search page, visible focus).

One test seeds the data once and walks every page with one live server: axe runs take most of
the time, and seeding per page would triple it. Violations are collected for every page and
reported together, so one run shows everything that is wrong.
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

from directory.services.accounts import make_token
from directory.services.leads.privacy import request_token
from tests.support.web import sign_in_page

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("french_catalog")

AXE_SCRIPT = Axe().axe_script  # the axe-core bundled with axe-playwright-python
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LANGS = ("en", "fr")


def _start_axe(page, disable: tuple[str, ...] = ()) -> None:
    """Start axe on the page now shown, without waiting (``disable``: rules that cannot apply).

    Each language has its own browser context, so its own renderer process: the English and
    French runs of a page proceed side by side.
    """
    options = dict(WCAG_AA)
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # else loaded by an init script
        page.evaluate(AXE_SCRIPT)
    page.evaluate("options => { window.__axe = axe.run(options); }", options)


def _axe_violations(page) -> list[dict]:
    return page.evaluate("() => window.__axe.then(results => results.violations)")


def _summary(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {', '.join(map(str, node['target']))}"
                f" — {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return lines


def _public_pages(slug: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, path with {lang}, axe rules disabled) of the public pages checked."""
    return [
        ("home", "/{lang}/", ()),
        ("search", "/{lang}/search?q=marketing&service=content-marketing&country=FR", ()),
        ("search empty", "/{lang}/search?q=zzyzxq", ()),
        ("service landing", "/{lang}/services/seo", ()),
        ("country landing", "/{lang}/services/seo/fr", ()),
        ("city landing", "/{lang}/services/seo/fr/lyon", ()),
        ("agency profile", f"/{{lang}}/agencies/{slug}", ()),
        ("compare", f"/{{lang}}/compare?a={slug}&a=rhone-growth", ()),
        ("compare empty", "/{lang}/compare", ()),
        ("ranking", "/{lang}/ranking", ()),
        ("browse services", "/{lang}/services", ()),
        ("browse places", "/{lang}/countries", ()),
        ("reviews transparency", "/{lang}/reviews/transparency", ()),
        ("review form", f"/{{lang}}/agencies/{slug}/review", ()),
        ("review thanks", f"/{{lang}}/agencies/{slug}/review/thanks", ()),
        ("contact form", f"/{{lang}}/agencies/{slug}/contact", ()),
        ("contact sent", f"/{{lang}}/agencies/{slug}/contact/sent", ()),
        ("match", "/{lang}/match", ()),
        ("match sent", "/{lang}/match/sent", ()),
        ("sign in", "/{lang}/account/login", ()),
        ("sign up", "/{lang}/account/signup", ()),
        ("forgot password", "/{lang}/account/forgot", ()),
        ("privacy policy", "/{lang}/privacy", ()),
        ("privacy request", "/{lang}/privacy/request", ()),
        ("404", "/{lang}/no-such-page", ()),
        ("reset link invalid (400)", "/{lang}/account/reset/not-a-token", ()),
        ("embed widget", f"/embed/{slug}?lang={{lang}}", ()),
    ]


def _mailed_pages(seeded: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    """Pages opened from a link in a mail, with valid tokens."""
    member = seeded["member"]
    return [
        ("reset password", f"/{{lang}}/account/reset/{make_token(member, 'reset')}", ()),
        ("verify email", f"/{{lang}}/account/verify/{make_token(member, 'verify')}", ()),
        (
            "privacy confirm",
            f"/{{lang}}/privacy/confirm/{request_token(member.email, 'erase')}",
            (),
        ),
    ]


def _private_pages(seeded: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    """The same for the pages of a signed-in agency member (and administrator)."""
    slug, lead, review = seeded["agency"].slug, seeded["lead_id"], seeded["review_id"]
    agency = f"/{{lang}}/dashboard/agencies/{slug}"
    return [
        ("dashboard", "/{lang}/dashboard/", ()),
        ("dashboard new agency", "/{lang}/dashboard/new", ()),
        ("dashboard claim", "/{lang}/dashboard/claim", ()),
        ("dashboard agency", f"{agency}/", ()),
        ("profile edit", f"{agency}/edit", ()),
        ("profile preview", f"{agency}/preview", ()),
        ("logo", f"{agency}/logo", ()),
        ("team", f"{agency}/team", ()),
        ("certifications", f"{agency}/certifications", ()),
        ("case studies", f"{agency}/case-studies", ()),
        ("case study new", f"{agency}/case-studies/new", ()),
        ("case study edit", f"{agency}/case-studies/cs1", ()),
        ("performance", f"{agency}/performance", ()),
        ("lead inbox", f"/{{lang}}/dashboard/{slug}/leads", ()),
        ("lead detail", f"/{{lang}}/dashboard/{slug}/leads/{lead}", ()),
        ("lead preferences", f"/{{lang}}/dashboard/{slug}/leads/preferences", ()),
        ("dashboard reviews", f"/{{lang}}/dashboard/{slug}/reviews", ()),
        ("review response", f"/{{lang}}/dashboard/{slug}/reviews/{review}/response", ()),
        ("badge builder", f"/{{lang}}/dashboard/{slug}/badge", ()),
        ("admin", "/{lang}/admin/", ()),
        ("admin agencies", "/{lang}/admin/agencies", ()),
        ("admin agency", f"/{{lang}}/admin/agencies/{slug}", ()),
        ("admin audit", "/{lang}/admin/audit", ()),
        ("admin insights", "/{lang}/admin/insights", ()),
        ("certification queue", "/{lang}/admin/certifications", ()),
        ("search analytics", "/{lang}/admin/search-analytics", ()),
        ("review queue", "/{lang}/admin/reviews", ()),
        ("admin leads", "/{lang}/admin/leads", ()),
        ("admin recent leads", "/{lang}/admin/leads/recent", ()),
        ("admin lead", f"/{{lang}}/admin/leads/{lead}", ()),
        ("account settings", "/{lang}/account/settings", ()),
        ("email preferences", "/{lang}/account/email-preferences", ()),
        ("delete account (owner)", "/{lang}/privacy/account/delete", ()),
    ]


def _match_results(page, base: str, lang: str) -> None:
    """Step 2 of "get matched": the proposals, reached by submitting the criteria."""
    page.goto(f"{base}/{lang}/match")
    form = page.locator("form.lead-form")
    form.locator("input[name=services][value=seo]").check()
    form.locator("button[type=submit]").click()
    page.locator(".lead-proposal").first.wait_for()


def _sign_in_errors(page, base: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("input[name=email]", "nobody@example.com")
    page.fill("input[name=password]", "wrong password")
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def _form_errors(base: str, path: str, button: str = "button[type=submit]"):
    """Opens ``path`` and sends its form empty (the browser's checks off): the server's errors."""

    def open_page(page, lang: str) -> None:
        page.goto(base + path.format(lang=lang))
        page.evaluate(
            "document.querySelectorAll('main form [required]').forEach(e => e.required = false);"
            "document.querySelectorAll('main form input[type=text]').forEach(e => e.value = '')"
        )
        page.locator(f"main form[method=post] {button}").first.click()
        page.locator(".field-errors").first.wait_for()
        # Every field in error says so, and is described by its messages (and hint).
        described = page.evaluate(
            """() => [...document.querySelectorAll('[aria-invalid]')].map(e =>
                 e.getAttribute('aria-invalid') === 'true' &&
                 (e.getAttribute('aria-describedby') || '').split(' ').every(
                   id => document.getElementById(id)))"""
        )
        assert described and all(described), f"fields in error not described: {described}"

    return open_page


def test_key_pages_have_no_axe_violations(live_server, browser, seeded):
    slug = seeded["agency"].slug
    found: dict[str, list[str]] = {}
    contexts = [browser.new_context() for _ in range(2 * len(LANGS))]
    try:
        public = dict(zip(LANGS, (c.new_page() for c in contexts[: len(LANGS)]), strict=True))
        private = dict(zip(LANGS, (c.new_page() for c in contexts[len(LANGS) :]), strict=True))
        for page in (*public.values(), *private.values()):
            page.set_default_timeout(8_000)
        for context in contexts:
            context.add_init_script(AXE_SCRIPT)  # sent to the browser once, not for every page
        for page in private.values():
            sign_in_page(page, live_server, seeded["member"].email)

        def check(pages, name, open_page, disable=()):
            # A page that cannot be opened is reported with the others, not in place of them.
            started = {}
            for lang, page in pages.items():
                try:
                    open_page(page, lang)
                    _start_axe(page, disable)
                    started[lang] = page
                except (PlaywrightError, AssertionError) as error:
                    found[f"{name} ({lang})"] = [f"not checked: {str(error).splitlines()[0]}"]
            for lang, page in started.items():
                violations = _axe_violations(page)
                if violations:
                    found[f"{name} ({lang})"] = _summary(violations)

        def goto(path):
            return lambda page, lang: page.goto(live_server + path.format(lang=lang))

        listed_pages = (
            (public, _public_pages(slug) + _mailed_pages(seeded)),
            (private, _private_pages(seeded)),
        )
        for pages, listed in listed_pages:
            for name, path, disable in listed:
                check(pages, name, goto(path), disable)
        check(public, "match results", lambda p, lang: _match_results(p, live_server, lang))
        check(public, "sign in errors", lambda p, lang: _sign_in_errors(p, live_server, lang))
        for name, path in (
            ("contact form errors", f"/{{lang}}/agencies/{slug}/contact"),
            ("review form errors", f"/{{lang}}/agencies/{slug}/review"),
            ("sign up errors", "/{lang}/account/signup"),
            ("privacy request errors", "/{lang}/privacy/request"),
        ):
            check(public, name, _form_errors(live_server, path))
        edit = f"/{{lang}}/dashboard/agencies/{slug}/edit"
        check(private, "profile edit errors", _form_errors(live_server, edit, "button[name=save]"))

        # The search page was not redirected (to a landing page): its facets were checked.
        public["en"].goto(live_server + _public_pages(slug)[1][1].format(lang="en"))
        assert "/en/search?" in public["en"].url
        assert public["en"].locator("#search-filters input[type=checkbox]").count() > 5
        # A review written in the other language says so (WCAG 3.1.2 language of parts).
        for lang, page in public.items():
            page.goto(f"{live_server}/{lang}/agencies/{slug}")
            assert page.locator(".review__body[lang=fr]").count() == (lang == "en")
            assert page.locator(".review__body[lang=en]").count() == 0
    finally:
        for context in contexts:
            context.close()
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

    # The hidden attribute hides, whatever a component's `display` says (`.button, button`).
    display = page.evaluate(
        """() => ['button', 'a'].map(tag => {
             const el = document.createElement(tag);
             el.className = 'button';
             el.hidden = true;
             document.querySelector('main').append(el);
             return getComputedStyle(el).display;
           })"""
    )
    assert display == ["none", "none"]
