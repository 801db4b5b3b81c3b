"""Public pages are cacheable by shared caches; nothing personal is."""

from __future__ import annotations

import pytest

from directory.caching import PUBLIC_ENDPOINTS

from .support.factories import make_user
from .support.web import login_as

pytestmark = pytest.mark.usefixtures("directory_data")


def _public_paths(app) -> dict[str, str]:
    """One URL per public endpoint, on the ``directory_data`` agencies."""
    slug = _listed_agency().slug
    return {
        "public.home": "/en/",
        "public.browse_services": "/fr/services",
        "public.browse_places": "/en/countries",
        "public.agency": f"/en/agencies/{slug}",
        "public.ranking": "/fr/ranking",
        "compare.agencies": f"/en/compare?a={slug}&a=unknown",
        "reviews.transparency": "/en/reviews/transparency",
        "search.results": "/en/search?q=growth&sort=rating",
        "search.service_landing": "/en/services/seo",
        "search.service_country_landing": "/en/services/seo/fr",
        "search.service_city_landing": "/en/services/seo/fr/lyon",
        "root.sitemap": "/sitemap.xml",
        "root.sitemap_part": "/sitemap-1.xml",
        "root.robots": "/robots.txt",
    }


def _listed_agency():
    from directory.db import db
    from directory.models import Agency
    from directory.models.agency import listed_filter

    return db.session.scalars(db.select(Agency).where(listed_filter()).order_by(Agency.id)).first()


def test_every_public_endpoint_is_listed_here(app):
    assert set(_public_paths(app)) == PUBLIC_ENDPOINTS


def test_anonymous_public_pages_are_shared_cacheable_without_a_cookie(app, client):
    for endpoint, path in _public_paths(app).items():
        response = client.get(path)
        assert response.status_code == 200, (endpoint, path)
        assert "Set-Cookie" not in response.headers, path
        control = response.headers["Cache-Control"]
        assert control.startswith("public"), path
        assert "s-maxage=30" in control and "stale-while-revalidate=30" in control, path
        etag = response.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.data == b""
        client.delete_cookie("session")


def test_a_changed_page_gets_a_new_validator(app, client, factory):
    from directory.db import db

    agency = _listed_agency()
    path = f"/en/agencies/{agency.slug}"
    etag = client.get(path).headers["ETag"]
    agency.tagline = "Now with a brand new tagline"
    db.session.commit()
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "brand new tagline" in response.get_data(as_text=True)
    assert response.headers["ETag"] != etag


def test_signed_in_users_get_private_no_store_pages(app):
    client = login_as(app, make_user())
    for path in ("/en/", "/en/search?sort=rating", "/en/ranking"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers


def test_pages_with_a_form_are_not_shared(app, client):
    response = client.get(f"/en/agencies/{_listed_agency().slug}/contact")
    assert response.status_code == 200
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "Set-Cookie" in response.headers  # its CSRF token opened a session


def test_lifetimes_come_from_the_settings(app, client):
    app.config.update(PUBLIC_CACHE_SECONDS=55, PUBLIC_CACHE_STALE_SECONDS=120)
    control = client.get("/en/ranking").headers["Cache-Control"]
    assert control == "public, max-age=0, s-maxage=55, stale-while-revalidate=120"
