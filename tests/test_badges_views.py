"""The badge and widget endpoints: headers, ETags, the listing rule, and never a cookie."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from directory.db import db, today

pytestmark = pytest.mark.usefixtures("french_catalog")
BADGE_PATHS = ["/badges/{slug}.svg", "/badges/{slug}.png", "/badges/{slug}.png?scale=2"]


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

    from directory.views.badges.blueprint import _no_cookies

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
    # "Leave a review" opens the review form itself, not the reviews section.
    assert '<a class="cta" href="http://localhost/en/agencies/acme/review"' in html
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


# -- the facts cache: TTL, invalidation on local commits, 304 without rendering ----------------


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(app):
    from directory.badge_facts import facts_cache

    clock = Clock()
    facts_cache(app).clock = clock
    return clock


def other_process_update(agency_id, **values):
    """A change committed elsewhere: straight on the engine, so no session hook sees it."""
    from sqlalchemy import update

    from directory.models import Agency

    with db.engine.begin() as conn:
        conn.execute(update(Agency.__table__).where(Agency.id == agency_id).values(**values))


def revalidate(client, path, etag):
    return client.get(path, headers={"If-None-Match": etag})


@pytest.mark.parametrize("path", ["/badges/acme.svg", "/badges/acme.png?scale=2"])
def test_a_local_commit_changes_the_etag_at_once(client, app, acme, clock, path):
    from directory.badge_facts import facts_cache

    first = client.get(path)
    assert len(facts_cache(app)) == 1  # the facts are cached...
    rate(acme, 3.9, 30)  # ...and dropped by this commit, with no time passing
    after = revalidate(client, path, first.headers["ETag"])
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    acme.tier = "diamond"
    db.session.commit()
    body = client.get("/badges/acme.svg").data
    assert b"Diamond" in body and b"Gold" not in body


def test_another_process_change_shows_within_the_ttl(client, app, acme, clock):
    first = client.get("/badges/acme.svg")
    other_process_update(acme.id, rating_avg=2.0, tier="elite")
    clock.now += 1.9  # within BADGE_CACHE_SECONDS (2): this process has not heard of it
    assert revalidate(client, "/badges/acme.svg", first.headers["ETag"]).status_code == 304
    clock.now += 0.11  # past the TTL
    after = revalidate(client, "/badges/acme.svg", first.headers["ETag"])
    assert after.status_code == 200
    assert b"2.0/5" in after.data and b"Elite" in after.data


def test_unlisting_turns_the_badge_neutral_at_once(client, app, acme, clock):
    assert b"Acme" in client.get("/badges/acme.svg").data
    acme.status = "suspended"
    db.session.commit()
    neutral(client.get("/badges/acme.svg"))
    acme.status = "published"
    db.session.commit()
    assert b"Acme" in client.get("/badges/acme.svg").data


def test_an_expired_certification_committed_here_turns_it_neutral(client, app, acme, clock):
    assert b"Acme" in client.get("/badges/acme.svg").data
    for certification in acme.certifications:
        certification.expires_on = today() - dt.timedelta(days=1)
    db.session.commit()
    neutral(client.get("/badges/acme.svg"))


def test_a_new_agency_replaces_a_cached_unknown_slug_at_once(client, factory, clock):
    neutral(client.get("/badges/newcomer.svg"))  # cached as unknown
    factory.agency(slug="newcomer", name="Newcomer Ltd")
    assert b"Newcomer Ltd" in client.get("/badges/newcomer.svg").data


def test_a_bulk_update_through_the_session_drops_every_entry(client, app, acme, clock):
    from sqlalchemy import update

    from directory.models import Agency

    client.get("/badges/acme.svg")
    db.session.execute(update(Agency).values(review_count=99))
    db.session.commit()
    assert b"99 reviews" in client.get("/badges/acme.svg").data


def test_a_rollback_keeps_the_cache(client, app, acme, clock):
    from directory.badge_facts import facts_cache

    client.get("/badges/acme.svg")
    acme.rating_avg = 1.0
    db.session.flush()
    db.session.rollback()
    assert len(facts_cache(app)) == 1
    assert b"4.8/5" in client.get("/badges/acme.svg").data


def test_the_cache_can_be_turned_off(_schema):
    from directory import create_app
    from directory.badge_facts import facts_cache

    app = create_app(
        {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": _schema, "BADGE_CACHE_SECONDS": 0}
    )
    with app.app_context():
        app.test_client().get("/badges/nobody.svg")
        assert len(facts_cache(app)) == 0
        db.session.remove()


def test_the_304_is_decided_without_rendering(client, acme, monkeypatch):
    import badges

    first = client.get("/badges/acme.png?scale=2")
    badges.clear_caches()  # a fresh worker: nothing rendered yet

    def refuse(*args, **kwargs):
        raise AssertionError("rendered for a 304")

    monkeypatch.setattr(badges, "render", refuse)
    again = revalidate(client, "/badges/acme.png?scale=2", first.headers["ETag"])
    assert again.status_code == 304
    for name in ("ETag", "Cache-Control", "Content-Security-Policy", "X-Content-Type-Options"):
        assert again.headers[name] == first.headers[name]


class TestFactsCache:
    """The cache on its own, with the database read replaced."""

    @pytest.fixture
    def reads(self, monkeypatch):
        from badges import Badge
        from directory import badge_facts as views

        calls = []

        def read(slug):
            calls.append(slug)
            return (1 if slug.startswith("a") else None), Badge.of(slug, 4.0, 1)

        monkeypatch.setattr(views, "_query_facts", read)
        return calls

    def test_lru_bound_and_day_change(self, reads):
        from directory.badge_facts import FactsCache

        cache = FactsCache(ttl=60, maxsize=2, clock=Clock())
        day = today()
        for slug in ("a1", "b1", "a1", "c1"):  # c1 evicts b1, the least recently used
            cache.get(slug, day)
        assert reads == ["a1", "b1", "c1"] and len(cache) == 2
        cache.get("a1", day + dt.timedelta(days=1))  # the listing rule depends on the date
        assert reads[-1] == "a1"

    def test_a_read_in_flight_during_a_commit_is_not_kept(self, reads, monkeypatch):
        from directory import badge_facts as views

        cache = views.FactsCache(ttl=60, clock=Clock())
        read = views._query_facts

        def read_then_commit_elsewhere(slug):
            result = read(slug)
            cache.invalidate({1})  # a commit in another thread, after our read began
            return result

        monkeypatch.setattr(views, "_query_facts", read_then_commit_elsewhere)
        cache.get("a1", today())
        assert len(cache) == 0

    def test_invalidate_drops_the_agency_and_unknown_slugs(self, reads):
        from directory.badge_facts import FactsCache

        cache = FactsCache(ttl=60, clock=Clock())
        for slug in ("a1", "a2", "b1"):
            cache.get(slug, today())
        cache.invalidate({1})  # a1 and a2 belong to agency 1 here; b1 is an unknown slug
        assert len(cache) == 0
        cache.get("b1", today())
        cache.invalidate({7})
        assert len(cache) == 0
