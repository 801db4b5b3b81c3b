"""Understood searches in Chromium: the chips and the notice pass axe, in English and French,
and every chip's link has a name that says what it removes."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import _start_axe, _summary
from tests.support.search import make_directory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("lang", "remove", "literal"),
    [
        ("en", "Search engine optimization — search without “Search engine optimization”",
         "search for the words instead"),
        ("fr", "Référencement naturel (SEO) — chercher sans « Référencement naturel (SEO) »",
         "chercher les mots tels quels"),
    ],
)  # fmt: skip
def test_understood_chips_are_accessible(
    live_server, page, factory, french_catalog, lang, remove, literal
):
    make_directory(factory)
    page.goto(f"{live_server}/{lang}/search?q=agence+seo+lyon+zzyzx")
    chip = page.get_by_role("link", name=remove)
    assert chip.count() == 1
    assert page.get_by_role("link", name=literal).count() == 1
    assert "zzyzx" in page.locator(".search-notice--relaxed").inner_text()
    _start_axe(page)
    violations = page.evaluate("() => window.__axe.then(results => results.violations)")
    assert not violations, "\n".join(_summary(violations))
    chip.click()
    assert "q=agence+lyon+zzyzx" in page.url
