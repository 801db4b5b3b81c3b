"""Search pages: results, facets, chips, pagination, empty state, landing pages, hostile input."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from directory.search.base import FACETS, SearchUnavailable
from directory.search.landing import in_country, landing_pages, landing_title
from directory.search.params import SCALARS, ParamError, parse_search_args
from directory.views._searching import safe_highlight
from directory.views.search.empty import correct_spelling
from tests.support.search import HOSTILE_QUERIES, UNLISTED_NAMES, reindex


def names_in(html: str) -> list[str]:
    """Agency names of the result cards, in page order."""
    found = re.findall(
        r'class="result-card__name" id="result-\d+">\s*<a href="[^"]*">(.*?)</a>', html
    )
    return [unescape(re.sub(r"</?mark>", "", name)) for name in found]


def page(client, url: str):
    response = client.get(url)
    return response, response.get_data(as_text=True)


# --- Results -----------------------------------------------------------------------------------


def test_search_page_lists_listed_agencies_only(client, directory_data):
    response, html = page(client, "/en/search")
    assert response.status_code == 200
    found = names_in(html)
    assert set(found) == {
        "Rhône Growth",
        "Presqu'île Search",
        "Seine Référencement",
        "Spree Websites",
    }
    assert "4 agencies found" in html
    for name in UNLISTED_NAMES:
        assert name not in html


def test_result_card_links_to_profile_and_shows_rating_and_location(client, directory_data):
    _, html = page(client, "/en/search?q=Seine")
    # The query rides along so opening the profile counts as a click (search analytics).
    assert '/en/agencies/seine-referencement?sq=seine"' in html
    assert "4.9 out of 5" in html
    assert "40 reviews" in html
    assert "Headquarters: Paris, France" in html
    assert "Elite tier" in html  # tier icon's accessible name


def test_markting_lyon_finds_marketing_agencies_in_lyon(client, directory_data):
    _, html = page(client, "/en/search?q=markting+lyon")
    found = names_in(html)
    # Marketing agencies in Lyon first; the typo is forgiven (SEO is a marketing service).
    assert found[:2] == ["Rhône Growth", "Presqu'île Search"]
    assert "Hidden Marketing Lyon" not in html


def test_french_and_english_service_names_find_the_same_agencies(client, directory_data):
    french = client.get("/fr/search?q=R%C3%A9f%C3%A9rencement+naturel", follow_redirects=True)
    english = client.get("/en/search?q=SEO", follow_redirects=True)
    assert french.request.path == "/fr/services/seo"  # the whole text named a service
    assert english.request.path == "/en/services/seo"
    found = names_in(english.get_data(as_text=True))
    assert sorted(names_in(french.get_data(as_text=True))) == sorted(found)
    assert set(found) == {"Presqu'île Search", "Seine Référencement"}


def test_service_named_with_other_filters_keeps_them(client, directory_data):
    response = client.get("/en/search?q=seo&city=FR:Lyon")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/search?city=FR:Lyon&service=seo"


def test_facet_filters_combine_and_chips_remove_one_filter(client, directory_data):
    _, html = page(client, "/en/search?service=seo&country=FR&city=FR:Lyon")
    assert names_in(html) == ["Presqu'île Search"]
    chips = re.findall(r'<a class="search-chip" href="([^"]+)"><span>([^<]+)</span>', html)
    labels = {label: url for url, label in chips}
    assert "City: Lyon" in labels
    without_city = labels["City: Lyon"].replace("&amp;", "&")
    assert "city=" not in without_city
    _, html = page(client, without_city)
    assert set(names_in(html)) == {"Presqu'île Search", "Seine Référencement"}


def test_facet_counts_are_localized_and_disjunctive(client, directory_data):
    _, html = page(client, "/fr/search?service=seo")
    # Service labels in French, with counts; other services still counted (OR within a facet).
    assert re.search(r"Référencement naturel \(SEO\) <span class=\"facet__count\">\(2\)", html)
    assert re.search(r"Marketing de contenu <span class=\"facet__count\">\(1\)", html)
    assert "Allemagne" in html or "France" in html


def test_every_facet_in_the_sidebar_has_a_legend(client, directory_data):
    _, html = page(client, "/en/search")
    for legend in ("Rating", "Country", "City", "Service", "Program", "Partner tier", "Language"):
        assert f"<legend>{legend}</legend>" in html


def test_min_rating_filters(client, directory_data):
    _, html = page(client, "/en/search?min_rating=4.5")
    assert set(names_in(html)) == {"Rhône Growth", "Seine Référencement"}


def test_near_enables_distance_sort(client, directory_data):
    _, html = page(client, "/en/search?near=Lyon&sort=distance")
    assert '<option value="distance" selected>Nearest</option>' in html
    found = names_in(html)
    assert found[:2] and set(found[:2]) == {"Rhône Growth", "Presqu'île Search"}
    assert "km away" in html
    _, html = page(client, "/en/search")
    assert 'value="distance"' not in html


def test_unknown_place_is_explained_not_an_error(client, directory_data):
    response, html = page(client, "/en/search?near=Qwxzyville")
    assert response.status_code == 200
    assert "We could not find" in html
    assert 'aria-invalid="true"' in html


def test_sort_by_name(client, directory_data):
    _, html = page(client, "/en/search?sort=name")
    found = names_in(html)
    assert found == sorted(found, key=str.casefold)


def test_pagination_with_rel_links_and_canonical(client, factory):
    for n in range(25):
        factory.agency(name=f"Paging Agency {n:02d}", services=["branding"])
    reindex()
    _, first = page(client, "/en/search?service=branding")
    assert "25 agencies found, page 1 of 2" in first
    assert len(names_in(first)) == 20
    assert '<link rel="next" href="/en/services/branding?page=2">' in first
    assert '<link rel="canonical" href="http://localhost/en/services/branding">' in first
    _, second = page(client, "/en/services/branding?page=2")
    assert len(names_in(second)) == 5
    assert '<link rel="prev" href="/en/services/branding">' in second
    assert not set(names_in(first)) & set(names_in(second))
    response, past = page(client, "/en/search?service=branding&page=9")
    assert response.status_code == 200
    assert "past the last page" in past
    assert '<a href="/en/services/branding?page=2">Go to the last page</a>' in past
    assert "noindex" in past


def test_deep_filter_combinations_are_not_indexed(client, directory_data):
    _, html = page(client, "/en/search?service=seo&service=branding&country=FR")
    assert '<meta name="robots" content="noindex, follow">' in html
    assert 'rel="canonical"' not in html
    _, html = page(client, "/en/search?service=seo")
    assert "noindex" not in html
    _, html = page(client, "/en/search?q=growth")
    assert '<meta name="robots" content="noindex, follow">' in html


def test_highlights_are_sanitized_to_mark_only():
    snippet = "We <mark>grow</mark> <script>alert(1)</script><img src=x onerror=alert(1)> &lt;b&gt;"
    cleaned = str(safe_highlight(snippet, ""))
    assert "<mark>grow</mark>" in cleaned
    assert "<script" not in cleaned and "<img" not in cleaned and "onerror" not in cleaned
    assert "&lt;b&gt;" in cleaned
    assert str(safe_highlight(None, "<b>plain</b>")) == "&lt;b&gt;plain&lt;/b&gt;"


def test_hostile_tagline_is_escaped(client, factory):
    factory.agency(name="Evil Agency", tagline="<script>alert(1)</script> growth")
    reindex()
    _, html = page(client, "/en/search?q=growth")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# --- Empty state -------------------------------------------------------------------------------


def test_a_word_matching_nothing_is_left_out_and_named(client, directory_data):
    # Before: "No agency matches this search" and a link to "seo". Now "seo" is understood
    # as the service, "zzzzqqq" matches nothing and the page says it was left out.
    response, html = page(client, "/en/search?q=zzzzqqq+seo")
    assert response.status_code == 200
    assert "No agency matches this search" not in html
    assert "2 agencies found" in html
    assert "these were left out: zzzzqqq." in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_spelling_correction_uses_taxonomy_and_listed_names(app, directory_data):
    assert correct_spelling("webdezign") == "webdesign"
    assert correct_spelling("spreee") == "spree"
    assert correct_spelling("seo") is None
    assert correct_spelling("hiddenn") is None  # unlisted names are not suggested


def test_empty_state_suggests_removing_a_filter(client, directory_data):
    _, html = page(client, "/en/search?service=seo&country=DE")
    assert "No agency matches this search" in html
    assert "Remove “Germany”" in html or "Remove “Search engine optimization”" in html


# --- Engine down -------------------------------------------------------------------------------


def test_search_unavailable_is_a_503_with_retry_after(client, factory, monkeypatch):
    factory.agency(services=["seo"], offices=[{"country": "FR", "city": "Lyon"}])

    def down(query):
        raise SearchUnavailable("engine down")

    monkeypatch.setattr("directory.views.search.routes.run_search", down)
    response, html = page(client, "/en/search?q=growth")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "try again" in html.lower()
    response, _ = page(client, "/fr/services/seo/fr")
    assert response.status_code == 503


def test_suggest_survives_the_engine_being_down(client, factory, monkeypatch):
    factory.agency(services=["seo"])

    def down(query):
        raise SearchUnavailable("engine down")

    monkeypatch.setattr("directory.views.search.routes.run_search", down)
    response = client.get("/en/search/suggest?q=seo")
    assert response.status_code == 200
    assert any(s["kind"] == "service" for s in response.json["suggestions"])


# --- Suggestions -------------------------------------------------------------------------------


def test_suggest_returns_services_and_agency_names(client, directory_data):
    response = client.get("/fr/search/suggest?q=r%C3%A9f%C3%A9rencement")
    assert response.status_code == 200
    suggestions = response.json["suggestions"]
    services = [s for s in suggestions if s["kind"] == "service"]
    assert services[0]["label"] == "Référencement naturel (SEO)"
    assert services[0]["url"] == "/fr/services/seo"
    agencies = [s["label"] for s in suggestions if s["kind"] == "agency"]
    assert "Seine Référencement" in agencies
    assert not set(agencies) & set(UNLISTED_NAMES)


def test_suggest_with_empty_or_hostile_text(client, directory_data):
    assert client.get("/en/search/suggest").json["suggestions"] == []
    response = client.get("/en/search/suggest?q=%ff%fe%00" + "x" * 5000)
    assert response.status_code == 200


def test_search_page_works_without_javascript_as_a_get_form(client, directory_data):
    _, html = page(client, "/en/search")
    assert re.search(r'<form id="search-form"[^>]*method="get" action="/en/search"', html)
    assert 'list="search-suggestions"' in html
    assert '<option value="Search engine optimization">' in html  # server-filled datalist
    assert 'type="checkbox" name="service" value="seo"' in html
    assert "Apply filters" in html


# --- Landing pages -----------------------------------------------------------------------------


def test_landing_page_titles_in_english_and_french(client, directory_data):
    response, html = page(client, "/en/services/seo/fr")
    assert response.status_code == 200
    assert '<h1 id="search-heading">SEO agencies in France</h1>' in html
    assert set(names_in(html)) == {"Presqu'île Search", "Seine Référencement"}
    assert '<link rel="canonical" href="http://localhost/en/services/seo/fr">' in html
    assert 'hreflang="fr" href="http://localhost/fr/services/seo/fr"' in html
    _, html = page(client, "/en/services/seo")
    assert '<h1 id="search-heading">SEO agencies</h1>' in html
    structured = re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    items = json.loads(structured)["itemListElement"]
    assert [i["position"] for i in items] == [1, 2]
    assert {i["url"] for i in items} == {
        "http://localhost/en/agencies/presquile-search",
        "http://localhost/en/agencies/seine-referencement",
    }


def test_french_landing_title(app):
    with app.test_request_context("/fr/services/seo/fr"):
        from flask import g

        g.lang = "fr"
        title = landing_title("seo", "FR", "fr")
        assert title == "Agences de référencement naturel (SEO) en France"
        assert landing_title("branding", "CA", "fr") == "Agences d’image de marque au Canada"
        assert landing_title("seo", None, "fr") == "Agences de référencement naturel (SEO)"
        assert in_country("CA", "fr") == "au Canada"
        assert in_country("US", "fr") == "aux États-Unis"
        assert in_country("SG", "fr") == "à Singapour"
        assert in_country("IR", "fr") == "en Iran"
        assert in_country("MX", "fr") == "au Mexique"


@pytest.mark.parametrize(
    "url",
    ["/en/services/astrology", "/en/services/seo/xx", "/en/services/seo/fra", "/de/services/seo"],
)
def test_landing_404_for_unknown_service_or_country(client, url):
    assert client.get(url).status_code == 404


def test_landing_country_in_upper_case_redirects(client):
    response = client.get("/en/services/seo/FR?page=2")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/en/services/seo/fr?page=2")


def test_search_state_of_one_service_is_canonically_its_landing_page(client, directory_data):
    _, html = page(client, "/en/search?service=seo&country=FR")
    assert '<link rel="canonical" href="http://localhost/en/services/seo/fr">' in html


def test_landing_pages_helper_lists_pairs_with_listed_agencies(app, directory_data):
    pages = landing_pages()
    assert ("seo", None, 2) in pages
    assert ("seo", "FR", 2) in pages
    assert ("website-design", "DE", 1) in pages
    assert all(
        country != "FR" or service != "content-marketing" or count == 1
        for service, country, count in pages
    )


# --- Parameters --------------------------------------------------------------------------------


def test_lenient_parser_repairs_and_strict_parser_refuses():
    args = MultiDict(
        [
            ("q", "  seo\x00 lyon "),
            ("service", "seo"),
            ("service", "nope"),
            ("page", "-4"),
            ("per_page", "1000"),
        ]
    )
    params = parse_search_args(args)
    # "seo" and "lyon" are understood: they filter, and no word is left to match as text.
    assert params.query.text == "" and params.typed == "seo lyon"
    assert params.query.filters == {"service": ("seo",), "city": ("FR:Lyon",)}
    assert params.explicit_filters == {"service": ("seo",)}
    assert params.query.page == 1
    assert params.query.per_page == 100
    assert set(params.dropped) >= {"service", "page", "per_page"}
    with pytest.raises(ParamError) as caught:
        parse_search_args(args, strict=True)
    assert caught.value.field == "service"


def test_parser_normalizes_values():
    params = parse_search_args(MultiDict([("country", "fr"), ("language", "FR"), ("city", "Lyon")]))
    assert params.query.filters == {"country": ("FR",), "city": ("FR:Lyon",), "language": ("fr",)}


_NAMES = st.sampled_from([*FACETS, *SCALARS, "lang", "x", ""])
_VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["seo", "FR", "fr", "FR:Lyon", "4.5", "-1", "1e9", "distance", "Lyon"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=12))
def test_parser_never_fails_lenient_and_only_with_param_errors_strict(pairs):
    args = MultiDict(pairs)
    params = parse_search_args(args)  # lenient: never raises
    q = params.query
    assert 1 <= q.page <= 500 and 1 <= q.per_page <= 100
    assert len(q.text) <= 200 and q.text == q.text.strip()
    assert set(q.filters) <= set(FACETS)
    assert all(len(values) <= 20 for values in q.filters.values())
    try:
        parse_search_args(args, strict=True)
    except ParamError as error:
        assert error.status in (400, 422) and error.message


# --- Hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: q[:40])
def test_hostile_query_strings_never_500_never_leak(client, directory_data, query):
    _assert_safe(client.get(f"/en/search?{query}"))


def test_hostile_query_strings_on_a_landing_page(client, directory_data):
    for query in HOSTILE_QUERIES:
        _assert_safe(client.get(f"/fr/services/seo/fr?{query}"), query)


def _assert_safe(response, query: str = ""):
    assert response.status_code in (200, 400), (response.status_code, query)
    html = response.get_data(as_text=True)
    for name in UNLISTED_NAMES:
        assert name not in html
    assert "<script>alert(1)</script>" not in html


def test_pages_fit_the_content_security_policy(client, directory_data):
    for url in ("/en/search?q=growth&near=Lyon", "/fr/services/seo/fr", "/en/search?q=zzzzqqq"):
        html = client.get(url).get_data(as_text=True)
        assert " style=" not in html
        for attributes in re.findall(r"<script([^>]*)>", html):
            assert "src=" in attributes or 'type="application/ld+json"' in attributes
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_hostile_query_strings_on_suggestions(client, directory_data):
    for query in HOSTILE_QUERIES:
        response = client.get(f"/en/search/suggest?{query}")
        assert response.status_code == 200, query
        labels = {s["label"] for s in response.json["suggestions"]}
        assert not labels & set(UNLISTED_NAMES), query


def test_the_page_says_when_fewer_words_were_matched(client, directory_data):
    relaxed = client.get("/en/search?q=growth+zzyzx").get_data(as_text=True)
    assert "No agency matches all your words" in relaxed and "Rhône <mark>Growth</mark>" in relaxed
    exact = client.get("/en/search?q=growth+lyon").get_data(as_text=True)
    assert "No agency matches all your words" not in exact


def test_values_read_from_the_words_are_ticked_but_not_sent_as_chosen_filters(
    client, directory_data
):
    response, _ = page(client, "/en/search?q=markting+lyon")
    html = response.get_data(as_text=True)
    lyon = re.search(r'<input type="checkbox"[^>]*value="FR:Lyon"[^>]*>', html).group(0)
    assert "checked" in lyon and "name=" not in lyon
    assert "(read from your words)" in html
    chosen, _ = page(client, "/en/search?city=FR:Lyon")
    lyon = re.search(
        r'<input type="checkbox"[^>]*value="FR:Lyon"[^>]*>', chosen.get_data(as_text=True)
    )
    assert 'name="city"' in lyon.group(0)


# --- Cards say why they matched; the filters' drawer button gives the count --------------------


def test_cards_say_which_services_and_office_matched(client, directory_data, factory):
    factory.agency(
        name="Two Offices SEO",
        services=["branding", "seo"],
        offices=[{"country": "DE", "city": "Berlin"}, {"country": "FR", "city": "Lyon"}],
    )
    reindex()
    _, html = page(client, "/en/search?q=seo+lyon")
    card = html[html.index("Two Offices SEO") :]
    card = card[: card.index("</article>")]
    why = card[card.index("result-card__why") :]
    why = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", why[: why.index("</p>")]))
    assert "Matches your search: Search engine optimization office in Lyon, France" in why
    assert "Headquarters: Berlin, Germany" in card  # the matched office is not the headquarters
    assert "Branding" not in why


def test_category_filter_explains_by_its_services(client, directory_data):
    _, html = page(client, "/fr/search?category=marketing")
    assert "Correspond à votre recherche" in html
    assert "bureau à" not in html  # no place filter, no place line


def test_browsing_without_filters_explains_nothing(client, directory_data):
    _, html = page(client, "/en/search")
    assert "result-card__why" not in html


def test_filters_drawer_button_gives_the_result_count(client, directory_data):
    _, html = page(client, "/en/search?country=FR")
    summary = re.search(r'<summary class="search-drawer__toggle">(.*?)</summary>', html, re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary.group(1))).strip()
    assert text == "Filters (1) · 3 results"
    # Open without JavaScript: the same form, filters before results.
    assert '<details class="search-drawer" open>' in html
