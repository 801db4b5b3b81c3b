"""The badge and widget endpoints: headers, ETags, the listing rule, and never a cookie."""

from __future__ import annotations

import datetime as dt
import io
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PIL import Image

from directory.db import db, today

CATALOG = Path(__file__).resolve().parents[1] / "directory/translations/fr/LC_MESSAGES/messages.po"
BADGE_PATHS = ["/badges/{slug}.svg", "/badges/{slug}.png", "/badges/{slug}.png?scale=2"]


@pytest.fixture(scope="module", autouse=True)
def _french_catalog():
    """Compile the French catalog when stale (the widget is translated with Flask-Babel)."""
    mo = CATALOG.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < CATALOG.stat().st_mtime:
        with CATALOG.open("rb") as source:
            catalog = read_po(source)
        tmp = mo.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)


def rate(agency, rating, count):
    agency.rating_avg, agency.review_count = rating, count
    db.session.commit()


@pytest.fixture
def acme(factory):
    agency = factory.agency(name="Acme & Co", slug="acme", program="partner", tier="gold")
    rate(agency, 4.78, 23)
    return agency


def assert_image_headers(response, content_type):
    headers = response.headers
    assert headers["Content-Type"] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=600"
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert headers["X-Frame-Options"] == "DENY"  # images are not framable, only /embed/ is
    assert "Set-Cookie" not in headers
    assert "cookie" not in headers.get("Vary", "").lower()


def test_svg_badge(client, acme):
    response = client.get("/badges/acme.svg")
    assert response.status_code == 200
    assert_image_headers(response, "image/svg+xml")
    root = ET.fromstring(response.data)
    assert root.get("aria-label") == "Acme & Co — 4.8/5 — 23 reviews — Gold partner"


def test_svg_badge_in_french(client, acme):
    body = client.get("/badges/acme.svg?lang=fr&layout=tier&theme=dark").get_data(as_text=True)
    assert "4,8" in body and "23 avis" in body and "Partenaire Gold" in body


@pytest.mark.parametrize(("query", "size"), [("", (240, 68)), ("?scale=2&size=large", (720, 204))])
def test_png_badge(client, acme, query, size):
    response = client.get(f"/badges/acme.png{query}")
    assert response.status_code == 200
    assert_image_headers(response, "image/png")
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.size == size


@pytest.mark.parametrize("path", BADGE_PATHS)
def test_if_none_match_gets_304(client, acme, path):
    first = client.get(path.format(slug="acme"))
    again = client.get(path.format(slug="acme"), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "Set-Cookie" not in again.headers


@pytest.mark.parametrize("path", BADGE_PATHS)
def test_etag_changes_when_the_rating_changes(client, acme, path):
    before = client.get(path.format(slug="acme"))
    rate(acme, 4.1, 24)
    after = client.get(path.format(slug="acme"), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]


def test_badge_reflects_the_tier_now(client, acme):
    assert b"Gold" in client.get("/badges/acme.svg").data
    acme.tier = "elite"
    db.session.commit()
    body = client.get("/badges/acme.svg").data
    assert b"Elite" in body and b"Gold" not in body


def neutral(response):
    assert response.status_code == 200
    assert b"Not currently listed" in response.data
    return response


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_unknown_and_unlisted_agencies_get_the_neutral_badge(client, factory, fmt):
    factory.agency(slug="pending", listed=False)
    factory.agency(slug="draft", status="draft")
    factory.agency(slug="expired", certified_until=today() - dt.timedelta(days=1))
    neutral_svg = client.get("/badges/nobody.svg")
    neutral(neutral_svg)
    reference = client.get(f"/badges/nobody.{fmt}")
    for slug in ("pending", "draft", "expired", "nobody", "BAD%20slug", "x" * 200):
        response = client.get(f"/badges/{slug}.{fmt}")
        assert response.status_code == 200
        assert_image_headers(response, "image/svg+xml" if fmt == "svg" else "image/png")
        assert response.data == reference.data


def test_suspension_turns_the_badge_neutral(client, acme):
    assert b"Acme" in client.get("/badges/acme.svg").data
    acme.status = "suspended"
    db.session.commit()
    neutral(client.get("/badges/acme.svg"))


def test_invalid_options_fall_back_to_defaults(client, acme):
    default = client.get("/badges/acme.svg")
    odd = client.get("/badges/acme.svg?theme=<x>&size=huge&layout=&lang=de&scale=9&cta=maybe")
    assert odd.status_code == 200
    assert odd.data == default.data


def test_no_cookie_even_with_a_session(client, app, acme):
    with client.session_transaction() as session:
        session["user"] = 1
        session.permanent = True
    for path in [*BADGE_PATHS, "/badges/tiers/gold.svg", "/embed/acme"]:
        response = client.get(path.format(slug="acme"))
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
        assert "cookie" not in response.headers.get("Vary", "").lower()


def test_after_request_strips_cookies_and_vary_cookie():
    from flask import Response

    from directory.views.badges import _no_cookies

    response = Response("x")
    response.headers["Vary"] = "Accept-Encoding, Cookie"
    response.headers.add("Set-Cookie", "a=b")
    response.headers.add("Set-Cookie", "c=d")
    response = _no_cookies(response)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize(("fmt", "content_type"), [("svg", "image/svg+xml"), ("png", "image/png")])
def test_tier_icons(client, fmt, content_type):
    for tier in ("gold", "platinum", "diamond", "elite"):
        response = client.get(f"/badges/tiers/{tier}.{fmt}")
        assert response.status_code == 200
        assert_image_headers(response, content_type)
    assert client.get(f"/badges/tiers/bronze.{fmt}").status_code == 404


def test_widget_lists_the_three_latest_approved_reviews(client, factory, acme):
    for day in range(5):
        factory.review(acme, title=f"Review {day}", submitted_on=today() - dt.timedelta(days=day))
    factory.review(acme, title="Pending one", status="pending")
    factory.review(acme, title="<script>alert(1)</script>", status="rejected")
    response = client.get("/embed/acme")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert [t for t in ("Review 0", "Review 1", "Review 2", "Review 3") if t in html] == [
        "Review 0",
        "Review 1",
        "Review 2",
    ]
    assert "Pending one" not in html and "<script" not in html
    assert "Acme &amp; Co" in html
    headers = response.headers
    assert "X-Frame-Options" not in headers
    assert "frame-ancestors *" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]
    assert headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in headers
    assert 'href="http://localhost/en/agencies/acme#reviews"' in html
    again = client.get("/embed/acme", headers={"If-None-Match": headers["ETag"]})
    assert again.status_code == 304


def test_widget_in_french_and_unlisted(client, factory, acme):
    html = client.get("/embed/acme?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in html and "23 avis" in html and "4,8" in html
    assert "Voir tous les avis" in html and "Laissez un avis" in html
    factory.agency(slug="hidden", listed=False)
    for slug in ("hidden", "nobody"):
        response = client.get(f"/embed/{slug}")
        assert response.status_code == 200
        assert "not currently listed" in response.get_data(as_text=True)


def test_other_pages_still_refuse_framing(client):
    assert client.get("/healthz").headers["X-Frame-Options"] == "DENY"
