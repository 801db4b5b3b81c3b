"""Query understanding: what a typed query names, how it filters, and what the page and the
API say about it (chips, the words left out, the way back to the words themselves)."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from directory.search.meili.settings import index_settings
from directory.search.params import ParamError, parse_search_args
from directory.search.relaxation import attempts, drop_order
from directory.search.text import parse_query
from directory.search.understanding import content_text, understand
from tests.support.search import reindex


def reading(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(facet or "filler", values) of each part, in typed order."""
    return [(p.facet or "filler", p.values) for p in understand(text).parts]


def facets(text: str) -> dict[str, tuple[str, ...]]:
    return understand(text).filters


# -- recognition ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["agence seo lyon", "agence de référencement à lyon", "seo in lyon", "seo lyon",
     "SEO Lyon", "Référencement naturel Lyon", "search engine optimization in Lyon",
     "meilleure agence SEO près de Lyon", "best seo agency near lyon"],
)  # fmt: skip
def test_the_issue_examples_read_as_seo_in_lyon(text):
    u = understand(text)
    assert u.filters == {"service": ("seo",), "city": ("FR:Lyon",)}
    assert u.text == ""  # filler words are dropped, nothing is left to match as text


@pytest.mark.parametrize(
    ("text", "facet", "value"),
    [
        ("Allemagne", "country", "DE"),
        ("Germany", "country", "DE"),
        ("états-unis", "country", "US"),
        ("Etats Unis", "country", "US"),
        ("USA", "country", "US"),
        ("Royaume-Uni", "country", "GB"),
        ("Montreal", "city", "CA:Montréal"),
        ("Montréal", "city", "CA:Montréal"),
        ("Munich", "city", "DE:Munich"),
        ("new york", "city", "US:New York City"),
        ("Île-de-France", "city", "FR:Paris"),
        ("ile de france", "city", "FR:Paris"),
        ("Bavière", "city", "DE:Munich"),
        ("Europe", "world_region", "EU"),
        ("Amérique du Nord", "world_region", "NA"),
        ("North America", "world_region", "NA"),
        ("francophone", "language", "fr"),
        ("German-speaking", "language", "de"),
        ("parlant espagnol", "language", "es"),
        ("healthcare", "industry", "healthcare"),
        ("santé", "industry", "healthcare"),
        ("immobilier", "industry", "real-estate"),
        ("PPC", "service", "paid-advertising"),
        ("SEA", "service", "paid-advertising"),
        ("google ads", "service", "paid-advertising"),
        ("CRM", "service", "crm-implementation"),
        ("RevOps", "service", "revenue-operations"),
        ("Opérations de revenus", "service", "revenue-operations"),
    ],
)
def test_places_languages_industries_and_services_in_both_languages(text, facet, value):
    assert value in facets(text).get(facet, ()), reading(text)


def test_a_region_reads_as_its_cities_with_its_own_name():
    (part,) = understand("Île-de-France").parts
    assert part.facet == "city" and "FR:Paris" in part.values and len(part.values) > 5
    assert (part.meaning.name_en, part.meaning.name_fr) == ("Île-de-France", "Île-de-France")


def test_a_city_with_accents_filters_on_both_spellings():
    # Offices are typed "Montréal" or "Montreal": OR within the city group finds both.
    assert facets("montreal")["city"] == ("CA:Montréal", "CA:Montreal")


def test_longest_phrase_wins():
    assert facets("inbound marketing") == {"service": ("inbound-marketing",)}
    assert facets("marketing") == {"category": ("marketing",)}
    assert facets("référencement payant") == {"service": ("paid-advertising",)}
    assert facets("référencement") == {"service": ("seo",)}


@pytest.mark.parametrize(
    ("text", "facet", "value"),
    [
        ("referencment", "service", "seo"),  # 12 letters, one letter missing
        ("refrencemnet", "service", "seo"),  # 12 letters: two typos allowed
        ("Allemange", "country", "DE"),  # a transposition is one typo
        ("Bordeuax", "city", "FR:Bordeaux"),
        ("marseile", "city", "FR:Marseille"),
        ("francophne", "language", "fr"),
    ],
)
def test_long_words_hold_typos(text, facet, value):
    u = understand(text)
    assert value in u.filters.get(facet, ()) and u.parts[0].typo


@pytest.mark.parametrize("text", ["seo", "sea", "lyon", "ppc", "crm"])
def test_short_words_never_match_by_typo(text):
    # "seo" is not "sea", "lyom" is not "lyon": four letters or fewer must be exact.
    assert not any(p.typo for p in understand(text).parts)


def test_short_words_with_a_typo_stay_words():
    assert understand("lyom").parts == () and understand("lyom").text == "lyom"
    assert facets("seo") == {"service": ("seo",)} and facets("sea") == {
        "service": ("paid-advertising",)
    }


@pytest.mark.parametrize(
    "word", ["media", "studio", "design", "growth", "digital", "labs", "partners", "nimbus"]
)
def test_everyday_words_of_names_are_not_corrected_into_places(word):
    assert all(p.facet != "city" for p in understand(word).parts), reading(word)


def test_names_and_unknown_words_stay_text():
    assert understand("Brightwave").text == "Brightwave" and not understand("Brightwave").applies
    u = understand("Nordlicht Berlin")
    assert u.filters == {"city": ("DE:Berlin",)} and u.text == "Nordlicht"


def test_a_query_of_filler_words_only_is_left_alone():
    # "The Agency" is somebody's name: nothing filters, so the reading does not apply.
    assert not understand("The Agency").applies
    assert parse_search_args(MultiDict({"q": "The Agency"})).query.text == "Agency"


def test_chip_removal_text_keeps_the_other_words():
    u = understand("agence seo à Lyon Nordlicht")
    seo, lyon = u.facet_parts
    assert u.without(seo) == "agence à Lyon Nordlicht"
    assert u.without(lyon) == "agence seo à Nordlicht"


# -- parameters ----------------------------------------------------------------------------


def test_understood_parts_filter_and_join_the_visitors_own_filters():
    params = parse_search_args(MultiDict([("q", "seo in lyon"), ("city", "FR:Paris")]))
    assert params.query.filters == {"service": ("seo",), "city": ("FR:Paris", "FR:Lyon")}
    assert params.added == {"service": ("seo",), "city": ("FR:Lyon",)}
    # The URL keeps the words as typed and only the visitor's own filters.
    assert list(params.to_args().items(multi=True)) == [("q", "seo in lyon"), ("city", "FR:Paris")]


def test_literal_searches_the_words_themselves():
    params = parse_search_args(MultiDict({"q": "agence seo lyon", "literal": "1"}))
    assert params.literal and params.query.filters == {}
    assert params.query.text == "agence seo lyon"
    assert params.to_args()["literal"] == "1"
    with pytest.raises(ParamError) as caught:
        parse_search_args(MultiDict({"q": "seo lyon", "literal": "maybe"}), strict=True)
    assert caught.value.field == "literal"


def test_stop_words_are_left_out_of_the_text_on_both_engines():
    assert content_text("Nordlicht in the Alps") == "Nordlicht Alps"
    assert content_text("the") == "the"  # nothing else: kept
    assert [w for w, _ in parse_query("nordlicht in the alps")] == ["nordlicht", "alps"]
    stop_words = index_settings()["stopWords"]
    assert {"de", "a", "the", "in", "pour"} <= set(stop_words)
    assert all(w.lower() in stop_words and w.isascii() for w in stop_words)  # folded like the text
    # Meilisearch compares stop words before lower-casing: the other forms are listed too.
    assert {"The", "THE", "For", "FOR"} <= set(stop_words)


# -- relaxation rule -------------------------------------------------------------------------


def test_words_matching_nothing_go_first_then_the_most_common():
    # "marketing" (900 agencies), "lyon" (40), "zzyzx" (0), "hubspot" (300)
    assert drop_order([900, 40, 0, 300]) == [2, 0, 3, 1]
    assert attempts([900, 40, 0, 300]) == [[0, 1, 3], [1, 3], [1]]
    assert drop_order([5, 5]) == [1, 0]  # a tie: the later word goes first


# -- the page and the API --------------------------------------------------------------------


def test_api_returns_the_understood_parts(client, directory_data):
    body = client.get(
        "/api/v1/search", query_string={"q": "agence de référencement à lyon", "lang": "fr"}
    ).json
    assert body["query"]["typed"] == "agence de référencement à lyon"
    assert body["query"]["q"] == ""
    assert body["query"]["understood"] == [
        {"kind": "service", "facet": "service", "values": ["seo"],
         "label": "Référencement naturel (SEO)", "words": "référencement", "typo": False},
        {"kind": "place", "facet": "city", "values": ["FR:Lyon"], "label": "Lyon",
         "words": "lyon", "typo": False},
    ]  # fmt: skip
    assert body["query"]["filters"] == {"city": ["FR:Lyon"], "service": ["seo"]}
    assert body["ignored"] == [] and body["query"]["literal"] is False
    assert [h["name"] for h in body["hits"]] == ["Presqu'île Search"]


def test_api_falls_back_to_the_words_when_the_reading_finds_nothing(
    client, factory, directory_data
):
    # Read as Berlin + branding + "lab", it finds nothing: the words are an agency's name.
    factory.agency(name="Berlin Brand Lab", services=["seo"])  # in Paris, does no branding
    reindex()
    body = client.get("/api/v1/search", query_string={"q": "Berlin Brand Lab"}).json
    assert body["query"]["fallback"] is True
    assert [h["name"] for h in body["hits"]] == ["Berlin Brand Lab"]


def test_api_names_the_words_left_out(client, directory_data):
    body = client.get("/api/v1/search", query_string={"q": "seo lyon zzyzx"}).json
    assert [h["name"] for h in body["hits"]] == ["Presqu'île Search"]
    assert body["relaxed"] is True and body["ignored"] == ["zzyzx"]


def test_page_shows_removable_chips_and_the_way_to_the_words(client, directory_data):
    html = client.get("/en/search?q=agence+seo+lyon").get_data(as_text=True)
    assert 'name="q" value="agence seo lyon"' in html  # the box keeps the words as typed
    line = re.search(r'<div class="search-understood".*?</div>', html, re.S).group(0)
    assert "Searching for:" in line
    # Each chip removes its part, keeping the other words; each has an accessible name.
    assert re.search(
        r'<a class="search-chip search-chip--understood" href="/en/search\?q=agence\+lyon">'
        r"<span>Search engine optimization</span>.*?search without “Search engine optimization”",
        line,
    )
    assert 'href="/en/search?q=agence+seo">' in line
    assert re.search(r'href="/en/search\?q=agence\+seo\+lyon&amp;literal=1"', line)
    assert "search for the words instead" in line
    literal = client.get("/en/search?q=agence+seo+lyon&literal=1").get_data(as_text=True)
    assert "Searching for the words themselves." in literal
    assert 'href="/en/search?q=agence+seo+lyon">Read them as services' in literal


def test_french_page_speaks_french(client, directory_data, french_catalog):
    html = client.get("/fr/search?q=agence+seo+lyon").get_data(as_text=True)
    assert "Recherche :" in html and "chercher les mots tels quels" in html
