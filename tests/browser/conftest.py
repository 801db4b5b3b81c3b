"""Browser tests: the app served on loopback, driven by Playwright in Debian's Chromium.

Never downloads a browser: Chromium comes from ``apt-get install chromium``. Screenshots are
saved under ``test-artifacts/`` (kept by CI as artifacts).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from directory.db import db, utcnow
from directory.models import CaseStudy, Lead
from tests.support.factories import add_member, make_user
from tests.support.search import make_directory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Mark every test here ``browser``; skip them (loudly) only when Chromium is absent."""
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} not installed"))


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free loopback port in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; a screenshot is saved when the test ends."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def nojs_page(browser, request):
    """A page with JavaScript disabled (progressive enhancement checks)."""
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-nojs.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def seeded(factory):
    """An indexed directory, a reviewed partner agency (with a case study) and its owner (an
    administrator), a lead, a pending certification."""
    data = make_directory(factory)
    agency = data["paris_seo"]
    review = factory.review(
        agency, title="Excellent project", rating=5, quality=5, source="invitation"
    )
    factory.review(agency, title="Solid work", rating=4, source="imported", author_email=None)
    factory.review(agency, title="Travail soigné", body="Une équipe à l'écoute.", lang="fr")
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
    db.session.add(
        CaseStudy(
            agency_id=agency.id,
            key="cs1",
            title="Doubling qualified leads",
            client_or_sector="B2B SaaS",
            services=["seo"],
            challenge="Traffic without leads.",
            results="A new funnel in 3 months.",
            figures=[{"value": "+38 %", "label": "organic leads"}],
        )
    )
    db.session.commit()
    lead = db.session.scalar(select(Lead.id).where(Lead.agency_id == agency.id))
    return {"agency": agency, "member": member, "lead_id": lead, "review_id": review.id}
