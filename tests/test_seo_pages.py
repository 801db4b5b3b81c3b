"""Service × country and service × city landing pages: pages, links, sitemap, empty pages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest

from directory.search.landing import city_slug, compute_landing_index
from tests.test_search_views import names_in

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _meta_description(html: str) -> str:
    found = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert found, "no meta description"
    return unescape(found.group(1))


@pytest.fixture
def unlisted_branding(factory, directory_data):
    """The only branding agency, in Marseille, is not listed: no branding page may exist."""
    return factory.agency(
        name="Calanques Brand",
        services=["branding"],
        offices=[{"country": "FR", "city": "Marseille"}],
        listed=False,
    )


def test_city_page_lists_that_city_only_with_a_real_description(client, directory_data):
    response = client.get("/en/services/seo/fr/lyon")
    assert response.status_code == 200
    html = _html(response)
    assert names_in(html) == ["Presqu'île Search"]  # not the Paris SEO agency
    assert "<h1" in html and "SEO agencies in Lyon" in unescape(html)
    description = _meta_description(html)
    assert description.startswith("1 listed SEO agency in Lyon (France): compare")
    assert '<link rel="canonical" href="http://localhost/en/services/seo/fr/lyon">' in html


def test_city_page_in_french(client, directory_data, french_catalog):
    html = _html(client.get("/fr/services/seo/fr/lyon"))
    assert "Agences de référencement naturel (SEO) à Lyon" in unescape(html)
    assert _meta_description(html).startswith(
        "1 agence de référencement naturel (SEO) référencée à Lyon (France) : comparez"
    )


def test_country_page_description_counts_its_agencies(client, directory_data):
    html = _html(client.get("/en/services/seo/fr"))
    assert _meta_description(html).startswith("2 listed SEO agencies in France: compare")


def test_city_url_is_canonicalised(client, directory_data):
    response = client.get("/en/services/seo/FR/Lyon")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/en/services/seo/fr/lyon")


def test_city_without_listed_agency_redirects_to_the_country(client, directory_data):
    response = client.get("/en/services/seo/fr/marseille")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/services/seo/fr")


def test_country_without_listed_agency_redirects_to_the_service(client, directory_data):
    response = client.get("/en/services/seo/de")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/services/seo")


def test_only_unlisted_agencies_make_no_page(client, unlisted_branding):
    assert client.get("/en/services/branding/fr/marseille").status_code == 404
    assert client.get("/en/services/seo/xx/lyon").status_code == 404
    index = compute_landing_index()
    assert index.get("branding", "FR") is None
    assert index.get("branding", "FR", "marseille") is None


def test_sitemap_lists_pages_with_listed_agencies_and_lastmod(client, unlisted_branding):
    root = ET.fromstring(client.get("/sitemap.xml").data)
    urls = {u.find(f"{SM}loc").text: u.find(f"{SM}lastmod") for u in root.iter(f"{SM}url")}
    for path in ("/en/services/seo/fr/lyon", "/fr/services/seo/fr", "/en/services/seo"):
        lastmod = urls.get(f"http://localhost{path}")
        assert lastmod is not None, path
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", lastmod.text)
    assert "http://localhost/en/services/website-design/de/berlin" in urls
    assert not [u for u in urls if "/branding" in u or "marseille" in u]
    assert "http://localhost/en/services/seo/de" not in urls


def test_browse_pages_link_to_city_and_country_pages(client, directory_data):
    # The home links to the browse pages, which carry the popular landing pages.
    home = _html(client.get("/en/"))
    assert 'href="/en/services"' in home and 'href="/en/countries"' in home
    assert 'href="/en/services/seo/fr/lyon"' in _html(client.get("/en/countries"))
    html = _html(client.get("/en/services"))
    assert 'href="/en/services/seo/fr"' in html
    assert 'href="/en/services/branding/fr"' not in html


def test_profile_links_to_its_landing_pages(client, directory_data):
    html = unescape(_html(client.get("/en/agencies/presquile-search")))
    assert 'href="/en/services/seo/fr/lyon"' in html
    assert 'href="/en/services/seo/fr"' in html
    assert "SEO agencies in Lyon" in html


def test_a_page_disappears_when_its_last_agency_is_unlisted(app, client, directory_data):
    from directory.db import db

    assert client.get("/en/services/website-design/de/berlin").status_code == 200
    berlin = directory_data["berlin_web"]
    berlin.status = "draft"
    db.session.commit()
    app.extensions["landing_index_cache"].clear()  # what HOME_CACHE_SECONDS does later
    assert client.get("/en/services/website-design/de/berlin").status_code == 404


def test_city_slug_transliterates():
    assert city_slug("Saint-Étienne") == "saint-etienne"
    assert city_slug("Zürich") == "zurich"
