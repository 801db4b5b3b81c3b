"""Compare: up to four listed agencies side by side from a shareable, cacheable URL."""

from __future__ import annotations

import re

import pytest

from directory.caching import PUBLIC_ENDPOINTS
from directory.db import db
from directory.services.reviews.ratings import refresh_rating
from tests.support.search import reindex


@pytest.fixture
def shortlist(factory):
    """Four listed agencies with distinct facts, and one unlisted."""
    acme = factory.agency(
        name="Acme Growth", slug="acme", program="partner", tier="gold",
        services=["seo", "branding"], industries=["healthcare"], languages=["fr", "en"],
        min_budget_usd=10_000, team_size="11-50", hourly_rate_low_usd=100,
        hourly_rate_high_usd=150,
        offices=[{"country": "FR", "city": "Lyon"}, {"country": "DE", "city": "Berlin"}],
    )  # fmt: skip
    factory.review(acme, rating=4, quality=5, schedule=4, cost=3, willing_to_refer=9)
    bravo = factory.agency(name="Bravo Digital", slug="bravo", services=["website-design"])
    charlie = factory.agency(name="Charlie Co", slug="charlie")
    delta = factory.agency(name="Delta Studio", slug="delta")
    echo = factory.agency(name="Echo Labs", slug="echo")
    hidden = factory.agency(name="Hidden Agency", slug="hidden", listed=False)
    refresh_rating(acme)
    db.session.commit()
    return acme, bravo, charlie, delta, echo, hidden


def column_names(html: str) -> list[str]:
    return re.findall(r'class="compare-agency__name" href="[^"]+">([^<]+)</a>', html)


def row(html: str, title: str) -> str:
    match = re.search(rf'<th scope="row">{re.escape(title)}</th>(.*?)</tr>', html, re.S)
    assert match, title
    return match.group(1)


def test_agencies_side_by_side_in_the_order_asked(client, shortlist):
    response = client.get("/en/compare?a=bravo&a=acme")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert column_names(html) == ["Bravo Digital", "Acme Growth"]
    assert '<th scope="col" class="compare-agency">' in html
    assert "Gold tier" in row(html, "Program")
    assert "4.0 out of 5" in row(html, "Rating") and "1 review" in row(html, "Rating")
    assert "5.0 out of 5" in row(html, "Quality")
    assert "9.0 out of 10" in row(html, "Willing to refer")
    assert "Branding" in row(html, "Services") and "Website design" in row(html, "Services")
    assert "Healthcare" in row(html, "Industries")
    assert "$10,000" in row(html, "Minimum project budget")
    assert "$100 to $150 per hour" in row(html, "Hourly rate")
    assert "11" in row(html, "Team size")
    assert "French" in row(html, "Languages")
    assert "Lyon, France (headquarters)" in row(html, "Offices")
    assert "Berlin, Germany" in row(html, "Offices")
    # Bravo states no budget: the cell says so rather than staying blank.
    assert "Not stated" in row(html, "Minimum project budget")


def test_comma_separated_form_and_french(client, shortlist, french_catalog):
    html = client.get("/fr/compare?agencies=acme,bravo").get_data(as_text=True)
    assert column_names(html) == ["Acme Growth", "Bravo Digital"]
    assert "Comparer des agences" in html
    assert "4,0 sur 5" in row(html, "Note")


def test_more_than_four_keeps_the_first_four_with_a_message(client, shortlist):
    url = "/en/compare?a=echo&a=acme&a=bravo&a=charlie&a=delta"
    html = client.get(url).get_data(as_text=True)
    assert column_names(html) == ["Echo Labs", "Acme Growth", "Bravo Digital", "Charlie Co"]
    assert "You can compare up to 4 agencies at once: the first 4 are shown." in html


def test_unknown_unlisted_and_duplicate_slugs(client, shortlist):
    url = "/en/compare?a=acme&a=ACME&a=hidden&a=nope&agencies=acme,bravo,,"
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert column_names(html) == ["Acme Growth", "Bravo Digital"]
    assert "Hidden Agency" not in html
    assert "2 agencies in the link were not found or are no longer listed" in html
    assert "You can compare up to" not in html


@pytest.mark.parametrize(
    "query",
    [
        "a=%00",
        "a=" + "x" * 5000,
        "a=<script>alert(1)</script>",
        "a=" + "&a=".join(f"s{n}" for n in range(500)),
        "agencies=" + ",".join(["acme"] * 2000),
        "a=%ff%fe",
        "a=acme'--",
        "a[]=acme&agencies[]=x",
    ],
)
def test_hostile_input_never_fails(client, shortlist, query):
    response = client.get(f"/en/compare?{query}")
    assert response.status_code == 200
    assert "<script>alert" not in response.get_data(as_text=True)


def test_empty_comparison_explains_how_to_start(client, shortlist):
    html = client.get("/en/compare").get_data(as_text=True)
    assert "Your comparison is empty." in html
    assert column_names(html) == []
    assert "<table" not in html


def test_public_cacheable_noindex_and_cookie_free(client, shortlist):
    assert "compare.agencies" in PUBLIC_ENDPOINTS
    response = client.get("/en/compare?a=acme&a=bravo")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"].startswith("public")
    assert response.headers.get("ETag")
    html = response.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, follow">' in html
    again = client.get(
        "/en/compare?a=acme&a=bravo", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_remove_links_and_add_another_carry_the_list(client, shortlist):
    html = client.get("/en/compare?a=acme&a=bravo&a=charlie").get_data(as_text=True)
    assert 'href="/en/compare?a=bravo&amp;a=charlie" data-compare-remove="acme"' in html
    assert 'href="/en/search?compare=acme,bravo,charlie"' in html
    full = client.get("/en/compare?a=acme&a=bravo&a=charlie&a=delta").get_data(as_text=True)
    assert "Add another agency" not in full


def test_toggles_on_cards_and_profile_link_to_the_comparison(client, shortlist):
    profile = client.get("/en/agencies/acme").get_data(as_text=True)
    assert 'class="compare-toggle" href="/en/compare?a=acme"' in profile
    assert profile.count('src="/static/js/compare.js') == 1
    # Coming from the comparison page's "Add another agency": the list travels along.
    carried = client.get("/en/agencies/bravo?compare=acme,charlie").get_data(as_text=True)
    assert 'href="/en/compare?a=acme&amp;a=charlie&amp;a=bravo"' in carried
    hostile = client.get('/en/agencies/bravo?compare="><x,../..').get_data(as_text=True)
    assert 'class="compare-toggle" href="/en/compare?a=bravo"' in hostile

    reindex()
    results = client.get("/en/search?compare=acme").get_data(as_text=True)
    toggles = re.findall(r'class="compare-toggle" href="([^"]+)"', results)
    assert "/en/compare?a=acme&amp;a=bravo" in toggles
    assert results.count('src="/static/js/compare.js') == 1
