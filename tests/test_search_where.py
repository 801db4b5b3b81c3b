"""The "where" box: a place typed apart from the words is searched as if typed in ``q``."""

from __future__ import annotations

import re

import pytest

from directory.search.where import read_where
from tests.test_search_views import names_in, page


def test_a_known_place_becomes_the_city_filter_as_if_typed_in_q(client, directory_data):
    response = client.get("/en/search?q=seo&where=Lyon")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/search?q=seo+Lyon"
    _, typed = page(client, "/en/search?q=seo+Lyon")
    _, followed = page(client, response.headers["Location"])
    assert names_in(followed) == names_in(typed)
    assert names_in(followed) == ["Presqu'île Search"]  # Paris SEO is left out
    assert "search-chip--understood" in followed  # the place is a removable chip


def test_a_french_country_name_in_where_filters_on_that_country(client, directory_data):
    response = client.get("/fr/search?where=Allemagne")
    assert response.status_code == 302
    _, html = page(client, response.headers["Location"])
    assert names_in(html) == ["Spree Websites"]


def test_an_unknown_place_is_shown_back_and_not_searched(client, directory_data):
    response, html = page(client, "/en/search?q=seo&where=Qwxzyville")
    assert response.status_code == 200
    assert "We do not know the place “Qwxzyville”" in html
    assert re.search(r'<input id="search-q"[^>]*value="seo"', html)  # the words stay in the box
    # The words alone were searched: every SEO agency, wherever it is.
    _, plain = page(client, "/en/search?service=seo")
    assert sorted(names_in(html)) == sorted(names_in(plain))


def test_words_of_where_that_name_no_place_are_named(client, directory_data):
    response, html = page(client, "/fr/search?where=Lyon+zzkq")
    assert response.status_code == 200
    assert "« zzkq » n’est pas un lieu que nous connaissons" in html
    assert set(names_in(html)) == {"Rhône Growth", "Presqu'île Search"}  # Lyon was read


@pytest.mark.parametrize("where", ["", "   ", "\x00", "a" * 500, "%ff", "<script>"])
def test_odd_where_values_never_fail(client, directory_data, where):
    response = client.get("/en/search", query_string={"where": where, "q": "seo"})
    assert response.status_code in (200, 302)
    assert "<script>" not in response.get_data(as_text=True).split("</head>", 1)[-1]


def test_api_takes_where_and_refuses_an_unknown_place(client, directory_data):
    body = client.get("/api/v1/search?q=seo&where=Lyon").get_json()
    assert body["query"]["filters"]["city"] == ["FR:Lyon"]
    assert [hit["name"] for hit in body["hits"]] == ["Presqu'île Search"]
    response = client.get("/api/v1/search?where=Qwxzyville")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "where"


def test_read_where_keeps_places_and_leaves_out_the_rest(app):
    assert read_where("à Lyon").complete
    assert read_where("Lyon, France").places == ("Lyon", "France")
    assert read_where("seo").left_out == ("seo",)
    assert not read_where("Qwxzyville").recognised


def test_a_blank_where_is_dropped_from_the_address(client, directory_data):
    response = client.get("/en/search?q=growth&where=+")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/search?q=growth"
