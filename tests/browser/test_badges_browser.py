"""Badges in a real browser: embedded cross-origin on a partner page, and the snippet builder."""

from __future__ import annotations

import threading

import pytest
from flask import render_template
from werkzeug.serving import make_server

from directory.db import db


@pytest.fixture
def partner_site():
    """A partner's site: another origin, really served on loopback (Chromium refuses to let a
    page of unknown address space load loopback URLs, so a routed fake host would not do)."""
    pages: dict[str, str] = {}

    def wsgi(environ, start_response):
        body = pages.get(environ["PATH_INFO"], "").encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", pages
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def acme(factory):
    agency = factory.agency(name="Acme & Co", slug="acme", program="partner", tier="platinum")
    factory.review(agency, title="Brilliant team", rating=5)
    agency.rating_avg, agency.review_count = 4.8, 23
    db.session.commit()
    return agency


def serve(page, url: str, html: str) -> None:
    page.route(
        url,
        lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
    )


def test_badges_and_widget_render_on_a_partner_site(page, live_server, partner_site, acme):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    partner, pages = partner_site
    pages["/"] = f"""<!doctype html><title>Partner</title>
        <a href="{live_server}/en/agencies/acme#reviews"><img id="svg"
           src="{live_server}/badges/acme.svg" width="240" height="68" alt="4.8/5 — 23 reviews"></a>
        <img id="png" src="{live_server}/badges/acme.png?scale=2" width="240" height="68" alt="">
        <img id="none" src="{live_server}/badges/nobody.svg" width="240" height="68" alt="">
        <iframe id="widget" src="{live_server}/embed/acme" width="400" height="420"
                title="Reviews"></iframe>"""
    page.goto(f"{partner}/")
    page.wait_for_load_state("load")
    sizes = page.evaluate(
        """() => ['svg', 'png', 'none'].map(id => {
             const img = document.getElementById(id);
             return [img.complete, img.naturalWidth, img.naturalHeight];
           })"""
    )
    assert sizes == [[True, 240, 68], [True, 480, 136], [True, 240, 68]]
    widget = page.frame_locator("#widget")
    assert widget.locator("h1").inner_text() == "Acme & Co"
    assert "Brilliant team" in widget.locator(".reviews").inner_text()
    assert widget.locator("a.cta").get_attribute("target") == "_blank"
    assert not [e for e in errors if "Content Security Policy" in e or "frame" in e.lower()], errors


def builder_page(app, live_server, acme) -> str:
    from directory.badge_facts import builder_context_for

    with app.test_request_context("/", base_url=live_server):
        form = render_template("embed/_builder.html", builder=builder_context_for("acme"))
    return f"<!doctype html><html lang='en'><title>Builder</title><body>{form}</body></html>"


def test_builder_updates_preview_and_snippet(page, app, live_server, acme):
    serve(page, f"{live_server}/_test/builder", builder_page(app, live_server, acme))
    page.goto(f"{live_server}/_test/builder")
    copy = page.locator("[data-badge-copy]")
    copy.wait_for(state="visible")
    assert page.locator("[data-badge-submit]").is_hidden()
    page.select_option("select[name=layout]", "compact")
    page.select_option("select[name=lang]", "fr")
    page.check("input[name=cta]")
    preview = page.locator("[data-badge-preview]")
    expected = f"{live_server}/badges/acme.svg?layout=compact&lang=fr&cta=1"
    assert preview.get_attribute("src") == expected
    assert (preview.get_attribute("width"), preview.get_attribute("height")) == ("176", "48")
    snippet = page.locator("[data-badge-snippet]").input_value()
    # The "Leave a review" strip (the bottom 24 px) opens the review form; the rest, the reviews.
    assert snippet == (
        f'<img src="{live_server}/badges/acme.svg?layout=compact&amp;lang=fr&amp;cta=1" '
        'width="176" height="48" alt="4,8/5 — 23 avis" usemap="#badge-acme"><map name="badge-acme">'
        f'<area shape="rect" coords="0,0,176,24" href="{live_server}/fr/agencies/acme#reviews" '
        'alt="4,8/5 — 23 avis">'
        f'<area shape="rect" coords="0,24,176,48" href="{live_server}/fr/agencies/acme/review" '
        'alt="Laissez un avis"></map>'
    )
    page.wait_for_function(
        "() => document.querySelector('[data-badge-preview]').naturalWidth === 176"
    )
    page.select_option("select[name=format]", "png")
    page.check("input[name=scale]")
    assert preview.get_attribute("src").endswith("acme.png?layout=compact&lang=fr&cta=1&scale=2")


def test_builder_without_javascript(nojs_page, app, live_server, acme):
    serve(nojs_page, f"{live_server}/_test/builder", builder_page(app, live_server, acme))
    nojs_page.goto(f"{live_server}/_test/builder")
    assert nojs_page.locator("[data-badge-copy]").is_hidden()
    assert nojs_page.locator("[data-badge-submit]").is_visible()
    snippet = nojs_page.locator("[data-badge-snippet]").input_value()
    assert snippet == (
        f'<a href="{live_server}/en/agencies/acme#reviews"><img src="{live_server}/badges/acme.svg"'
        ' width="240" height="68" alt="4.8/5 — 23 reviews"></a>'
    )


def test_the_pasted_strip_opens_the_review_form(page, app, live_server, partner_site, acme):
    from directory.badge_facts import builder_context_for

    with app.test_request_context("/", base_url=live_server):
        context = builder_context_for("acme", badges_options(lang="en", cta=True))
    partner, pages = partner_site
    pages["/"] = f"<!doctype html><title>Partner</title><p>{context['snippet']}</p>"
    page.goto(f"{partner}/")
    box = page.locator("img").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 8)
    page.wait_for_url(f"{live_server}/en/agencies/acme/review")
    assert page.locator("h1").inner_text() == "Review Acme & Co"
    page.go_back()
    page.locator("img").click(position={"x": 20, "y": 20})
    page.wait_for_url(f"{live_server}/en/agencies/acme#reviews")


def badges_options(**values):
    from badges import Options

    return Options(**values)
