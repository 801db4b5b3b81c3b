"""The key pages as people see them, and layout stability.

Screenshots of each key page at desktop (1366x900) and phone (390x844) sizes, in English and
French, go to ``test-artifacts/screens/<page>-<lang>-<size>.png`` (CI keeps them; look at them).
At phone width no page may scroll sideways. Suggestions as you type and badge images must not
move what is already on screen (Cumulative Layout Shift under 0.01).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.support.web import sign_in_page

from .conftest import ARTIFACTS

pytestmark = pytest.mark.usefixtures("french_catalog")

SCREENS = ARTIFACTS / "screens"
SIZES = {"1366x900": (1366, 900), "390x844": (390, 844)}
PHONE = "390x844"
LANGS = ("en", "fr")
# (file name, who, path, button to press first): "anon" a visitor, "member" the agency's owner
# (also an administrator).
KEY_PAGES = [
    ("home", "anon", "/{lang}/", None),
    ("search", "anon", "/{lang}/search?q=marketing&country=FR", None),
    ("profile", "anon", "/{lang}/agencies/{slug}", None),
    ("compare", "anon", "/{lang}/compare?a={slug}&a=rhone-growth&a=presquile-search", None),
    ("get-matched", "anon", "/{lang}/match", None),
    ("get-matched-results", "anon", "/{lang}/match?services=seo", "main form [type=submit]"),
    ("review-form", "anon", "/{lang}/agencies/{slug}/review", None),
    ("dashboard", "member", "/{lang}/dashboard/agencies/{slug}/", None),
    ("edit", "member", "/{lang}/dashboard/agencies/{slug}/edit", None),
    ("performance", "member", "/{lang}/dashboard/agencies/{slug}/performance", None),
    ("leads-inbox", "member", "/{lang}/dashboard/{slug}/leads", None),
    ("admin-agencies", "member", "/{lang}/admin/agencies", None),
    ("admin-insights", "member", "/{lang}/admin/insights", None),
    ("badge-builder", "member", "/{lang}/dashboard/{slug}/badge", None),
]
CLS_LIMIT = 0.01

# How far the page scrolls sideways, and the first elements sticking out: outside any element
# that scrolls or clips on its own (where sticking out is intended), or positioned, which escapes
# a scroll box that is not its containing block (a visually hidden label in a scrolled table).
OVERFLOW_JS = """() => {
  const root = document.documentElement, width = root.clientWidth, wide = [];
  const clipped = el => {
    if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  if (root.scrollWidth > width) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.width && box.right > width + 1 && !clipped(el)) {
        const cls = typeof el.className === "string" && el.className.trim();
        wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                  (cls ? "." + cls.split(/\\s+/).join(".") : "") + ` (${Math.round(box.right)}px)`);
        if (wide.length === 3) break;
      }
    }
  }
  return {scrollWidth: root.scrollWidth, width, wide};
}"""

# Every layout shift from the start of the page, kept in window.__shifts. Shifts right after an
# input are kept too (CLS leaves them out): a suggestion list that pushes content is the bug.
SHIFTS_JS = """
window.__shifts = [];
new PerformanceObserver(list => {
  for (const entry of list.getEntries()) {
    window.__shifts.push({value: entry.value, at: entry.startTime, sources: (entry.sources || [])
      .map(s => s.node ? (s.node.id || s.node.className || s.node.nodeName) : "?").join(", ")});
  }
}).observe({type: "layout-shift", buffered: true});
"""
SHIFT_SINCE_JS = "since => window.__shifts.filter(s => s.at >= since)"


def _contexts(browser, base: str, email: str) -> dict:
    """A visitor's and a signed-in member's context at each size."""
    contexts = {}
    for size, (width, height) in SIZES.items():
        for who in ("anon", "member"):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(8_000)
            if who == "member":
                sign_in_page(page, base, email)
            contexts[who, size] = page
    return contexts


def _shoot(page, url: str, file: str, button: str | None) -> dict | str:
    """Open ``url`` (and press ``button``), save a full-page screenshot, return the sideways
    overflow (or what went wrong)."""
    try:
        response = page.goto(url)
        if button:
            with page.expect_navigation() as sent:
                page.locator(button).first.click()
            response = sent.value
        page.screenshot(path=str(SCREENS / file), full_page=True)
    except PlaywrightError as error:
        return f"not shown: {str(error).splitlines()[0]}"
    if response is None or response.status != 200:
        return f"status {response.status if response else '?'}"
    return page.evaluate(OVERFLOW_JS)


def test_key_pages_screenshots_and_no_sideways_scroll_on_phones(live_server, browser, seeded):
    SCREENS.mkdir(parents=True, exist_ok=True)
    pages = _contexts(browser, live_server, seeded["member"].email)
    values = {"slug": seeded["agency"].slug}
    problems = []
    try:
        for (who, size), page in pages.items():
            for name, page_who, path, button in KEY_PAGES:
                if page_who != who:
                    continue
                for lang in LANGS:
                    url = live_server + path.format(lang=lang, **values)
                    found = _shoot(page, url, f"{name}-{lang}-{size}.png", button)
                    if isinstance(found, str):
                        problems.append(f"{name} ({lang}, {size}): {found}")
                    elif size == PHONE and found["scrollWidth"] > found["width"]:
                        wide = ", ".join(found["wide"])
                        problems.append(
                            f"{name} ({lang}): {found['scrollWidth']}px wide at 390: {wide}"
                        )
    finally:
        for page in pages.values():
            page.context.close()
    assert not problems, "\n".join(problems)


def _shifts_since(page, since: float) -> tuple[float, list]:
    shifts = page.evaluate(SHIFT_SINCE_JS, since)
    return sum(s["value"] for s in shifts), shifts


@pytest.mark.parametrize("size", SIZES)
def test_suggestions_do_not_move_the_page(live_server, browser, directory_data, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(SHIFTS_JS)
    page = context.new_page()
    try:
        boxes = (
            ("/en/", "home-q", "seo"),
            ("/en/", "home-where", "lyo"),
            ("/fr/search", "search-q", "seo"),
        )
        for path, box_id, words in boxes:
            page.goto(live_server + path)
            page.wait_for_load_state("load")
            since = page.evaluate("performance.now()")
            box = page.locator(f"#{box_id}")
            box.press_sequentially(words[:2], delay=50)
            expect(page.locator(f"#{box_id}-listbox")).to_be_visible()
            box.press_sequentially(words[2:], delay=50)
            page.wait_for_timeout(300)  # the list redrawn for the last letter
            box.press("Escape")
            page.wait_for_timeout(100)
            total, shifts = _shifts_since(page, since)
            assert total < CLS_LIMIT, (path, box_id, size, shifts)
    finally:
        context.close()


def test_badge_images_do_not_move_the_page(live_server, browser, seeded):
    """The badge preview loads late (held back here) without pushing what is below it."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(SHIFTS_JS)
    page = context.new_page()
    page.set_default_timeout(8_000)

    def late(route):
        time.sleep(0.4)  # the page is painted meanwhile: a box without a size would grow
        route.continue_()

    try:
        sign_in_page(page, live_server, seeded["member"].email)
        page.route("**/badges/**", late)
        slug = seeded["agency"].slug
        for lang in LANGS:
            page.goto(f"{live_server}/{lang}/dashboard/{slug}/badge")
            preview = page.locator("img[data-badge-preview]")
            expect(preview).to_have_js_property("complete", True)
            assert preview.evaluate("img => img.naturalWidth") > 0
            page.wait_for_timeout(100)
            total, shifts = _shifts_since(page, 0)
            assert total < CLS_LIMIT, (lang, shifts)
    finally:
        context.close()
