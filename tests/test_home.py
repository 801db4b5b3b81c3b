"""Home page: the what/where search, the services grid, top-rated agencies per tier and region."""

from __future__ import annotations

import re
from html import unescape

import pytest

from directory.search.base import SearchUnavailable
from directory.views import _top_rated
from tests.support.search import reindex


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def section(html: str, heading_id: str) -> str:
    """The HTML of the home section labelled by ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    end = html.find('<section class="home-section"', start + 1)
    return html[start : end if end > 0 else len(html)]


@pytest.fixture
def rated(factory):
    """Elite and Gold partners in Europe and North America, with ratings; one unrated."""
    agency = lambda **kw: factory.agency(commit=False, program="partner", **kw)  # noqa: E731
    data = {
        "elite_fr": agency(name="Élite Paris", tier="elite", rating_avg=4.9, review_count=30,
                           offices=[{"country": "FR", "city": "Paris"}]),
        "elite_us": agency(name="Elite Austin", tier="elite", rating_avg=4.2, review_count=8,
                           offices=[{"country": "US", "city": "Austin"}]),
        "gold_de": agency(name="Gold Berlin", tier="gold", rating_avg=4.6, review_count=12,
                          offices=[{"country": "DE", "city": "Berlin"}]),
        "unrated": agency(name="Unrated Elite", tier="elite",
                          offices=[{"country": "FR", "city": "Lyon"}]),
    }  # fmt: skip
    from directory.db import db

    db.session.commit()
    reindex()
    return data


def test_home_has_a_what_and_a_where_box_sent_to_the_search_page(client, rated):
    html = client.get("/fr/").get_data(as_text=True)
    assert 'action="/fr/search"' in html
    assert '<label for="home-q">De quoi avez-vous besoin ?</label>' in html
    assert '<label for="home-where">Où ?</label>' in html
    assert re.search(r'<input id="home-where" name="where"', html)
    # The where box suggests places only, and fills itself rather than leaving the page.
    assert 'data-suggest-url="/fr/search/suggest?kind=place" data-suggest-fill' in html


def test_what_and_where_from_the_home_give_the_typed_search(client, rated):
    response = client.get("/en/search?q=seo&where=Paris")
    assert response.headers["Location"] == "/en/search?q=seo+Paris"
    text = text_of(client.get(response.headers["Location"]))
    assert "Élite Paris" in text and "Gold Berlin" not in text


def test_top_rated_per_tier_best_first_and_unrated_left_out(client, rated):
    html = client.get("/en/").get_data(as_text=True)
    tiers = section(html, "tiers-title")
    assert tiers.index("Elite tier") < tiers.index("Gold tier")  # highest tier first
    elite = tiers[tiers.index("top-tier-elite") : tiers.index("top-tier-gold")]
    assert elite.index("Élite Paris") < elite.index("Elite Austin")
    assert "Unrated Elite" not in html
    assert "Platinum tier" not in tiers  # no agency: no empty box
    assert 'href="/en/search?tier=elite&amp;sort=rating"' in tiers


def test_top_rated_per_region_links_to_the_region_sorted_by_rating(client, rated):
    html = client.get("/en/").get_data(as_text=True)
    regions = text_of_html(section(html, "regions-title"))
    assert "Europe 3 agencies" in regions  # every listed agency, rated or not
    assert "North America 1 agency" in regions
    assert regions.index("Élite Paris") < regions.index("Gold Berlin")
    assert 'href="/en/search?world_region=EU&amp;sort=rating"' in html


def text_of_html(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_top_rated_is_cached_like_the_home_counts(app, client, rated, factory):
    assert "Élite Paris" in client.get("/en/").get_data(as_text=True)
    factory.agency(name="Newcomer Elite", program="partner", tier="elite", rating_avg=5.0,
                   review_count=50)  # fmt: skip
    reindex()
    assert "Newcomer Elite" not in client.get("/en/").get_data(as_text=True)
    app.config["HOME_CACHE_SECONDS"] = 0
    assert "Newcomer Elite" in client.get("/en/").get_data(as_text=True)


def test_home_answers_without_the_search_engine(app, client, rated, monkeypatch):
    def down(query):
        raise SearchUnavailable("down")

    app.config["HOME_CACHE_SECONDS"] = 0
    monkeypatch.setattr(_top_rated, "run_search", down)
    response = client.get("/en/")
    assert response.status_code == 200
    text = text_of(response)
    assert "4 listed agencies" in text
    assert "Top-rated" not in text


def test_services_grid_shows_the_busiest_services_with_counts(client, factory):
    for _ in range(3):
        factory.agency(services=["branding"])
    factory.agency(services=["seo"])
    text = text_of(client.get("/en/"))
    assert "Most requested services" in text
    assert text.index("Branding 3 agencies") < text.index("Search engine optimization 1 agency")
    assert "Video production" not in text  # no agency offers it: on the services page only
    assert "All 32 services" in text


def test_browse_pages_are_in_the_sitemap_in_both_languages(client):
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    for url in ("/en/services", "/fr/services", "/en/countries", "/fr/countries"):
        assert f"<loc>http://localhost{url}</loc>" in xml
