"""Suggestions as you type: services, places and agencies by prefix, and the search box markup."""

from __future__ import annotations

import re
import time

import pytest

from directory.search import suggest
from directory.search.suggest import MAX_SUGGESTIONS, normalize
from tests.support.search import UNLISTED_NAMES
from tests.test_search_views import names_in


def _suggest(client, text: str, lang: str = "en") -> list[dict]:
    response = client.get(f"/{lang}/search/suggest", query_string={"q": text})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json["suggestions"]


def _labels(items: list[dict], kind: str | None = None) -> list[str]:
    return [i["label"] for i in items if kind is None or i["kind"] == kind]


def test_services_places_and_agencies_by_prefix(client, directory_data):
    assert "Search engine optimization" in _labels(_suggest(client, "sea"), "service")
    assert _labels(_suggest(client, "ly"), "place") == ["Lyon"]
    assert _labels(_suggest(client, "germ"), "place") == ["Germany"]
    assert _labels(_suggest(client, "rhô"), "agency") == ["Rhône Growth"]
    # A word inside a name, and accents ignored both ways.
    assert _labels(_suggest(client, "growth"), "agency") == ["Rhône Growth"]
    assert _labels(_suggest(client, "referencement"), "agency") == ["Seine Référencement"]


def test_labels_follow_the_page_language_and_names_work_in_both(
    client, directory_data, french_catalog
):
    assert _labels(_suggest(client, "allem", "en"), "place") == ["Germany"]
    assert _labels(_suggest(client, "germ", "fr"), "place") == ["Allemagne"]
    services = _labels(_suggest(client, "référ", "fr"), "service")
    assert "Référencement naturel (SEO)" in services


def test_unlisted_agencies_are_never_suggested(client, directory_data):
    for text in ("hidden", "draft", "marketing", "hidden-marketing"):
        labels = _labels(_suggest(client, text))
        assert not set(labels) & set(UNLISTED_NAMES), text


def test_agency_opens_its_profile(client, directory_data):
    (item,) = [i for i in _suggest(client, "presq") if i["kind"] == "agency"]
    assert item["url"] == "/en/agencies/presquile-search"
    assert item["detail"] == "Lyon, France"
    assert "filters" not in item
    assert client.get(item["url"]).status_code == 200


def test_service_and_place_apply_as_filters(client, directory_data):
    (place,) = [i for i in _suggest(client, "lyo") if i["kind"] == "place"]
    assert place["filters"] == {"city": ["FR:Lyon"]}
    assert place["detail"] == "France · 2 agencies"
    html = client.get(place["url"]).get_data(as_text=True)
    assert sorted(names_in(html)) == ["Presqu'île Search", "Rhône Growth"]
    service = next(i for i in _suggest(client, "website des") if i["kind"] == "service")
    assert service["filters"] == {"service": ["website-design"]}
    assert names_in(client.get(service["url"]).get_data(as_text=True)) == ["Spree Websites"]


@pytest.mark.parametrize("text", ["seo ly", "seo agency in ly", "lyon se", "SEO à Lyo"])
def test_a_service_and_a_place_together(client, directory_data, text):
    combos = [i for i in _suggest(client, text) if i["kind"] == "combo"]
    assert [c["filters"] for c in combos] == [{"service": ["seo"], "city": ["FR:Lyon"]}]
    assert combos[0]["label"] == "Search engine optimization · Lyon"
    assert combos[0]["detail"] == "France · 1 agency"
    assert names_in(client.get(combos[0]["url"]).get_data(as_text=True)) == ["Presqu'île Search"]


def test_no_pair_without_a_listed_agency_offering_it_there(client, directory_data):
    # Nobody does SEO in Berlin, and the only SEO agencies left in Lyon would be unlisted.
    assert not [i for i in _suggest(client, "seo ber") if i["kind"] == "combo"]
    assert not [i for i in _suggest(client, "website design par") if i["kind"] == "combo"]


def test_at_most_eight_with_every_kind_represented(client, factory, directory_data):
    for n in range(12):
        factory.agency(name=f"Search Studio {n}", services=["seo"])
    items = _suggest(client, "se")
    assert len(items) <= MAX_SUGGESTIONS
    assert {"service", "agency"} <= {i["kind"] for i in items}


@pytest.mark.parametrize(
    "text", ["", "s", " ", "\x00\x01", "%", "'; DROP TABLE agencies; --", "x" * 5000, "☃☃"]
)
def test_odd_input_answers_an_empty_or_short_list(client, directory_data, text):
    items = _suggest(client, text)
    assert len(items) <= MAX_SUGGESTIONS


def test_new_agency_appears_after_a_commit(app, client, factory, directory_data, monkeypatch):
    app.config["SUGGEST_CACHE_SECONDS"] = 300
    monkeypatch.setattr(suggest, "MIN_REBUILD_SECONDS", 0.0)
    assert not _labels(_suggest(client, "zephyr"))
    factory.agency(name="Zephyr Digital", services=["seo"])
    # The commit makes the index stale: the next request starts a rebuild in the background
    # and still answers from the old index; a later one sees the new agency.
    deadline = time.monotonic() + 10
    while not (found := _labels(_suggest(client, "zephyr"), "agency")):
        assert time.monotonic() < deadline, "the index was not rebuilt"
        time.sleep(0.05)
    assert found == ["Zephyr Digital"]


def test_first_build_happens_in_the_background(app, client, directory_data):
    app.config["SUGGEST_CACHE_SECONDS"] = 300
    app.extensions.pop("suggest_index", None)
    deadline = time.monotonic() + 10
    while not _labels(_suggest(client, "lyo")):  # none until the index is built, no wait
        assert time.monotonic() < deadline, "the index was never built"
        time.sleep(0.05)
    assert _labels(_suggest(client, "lyo"), "place") == ["Lyon"]


def test_index_is_reused_while_fresh(app, client, directory_data, monkeypatch):
    app.config["SUGGEST_CACHE_SECONDS"] = 300
    _suggest(client, "lyon")
    built = []
    monkeypatch.setattr(suggest, "build_index", lambda: built.append(1))
    _suggest(client, "paris")
    assert built == []


def test_normalize():
    assert normalize("  Île-de-France ") == "ile de france"
    assert normalize("Presqu'île") == "presqu ile"


def test_the_where_box_asks_for_places_only(client, directory_data):
    response = client.get("/en/search/suggest", query_string={"q": "ly", "kind": "place"})
    assert {i["kind"] for i in response.json["suggestions"]} == {"place"}
    assert _labels(response.json["suggestions"]) == ["Lyon"]
    # "se" names services and agencies too; only places (none here) come back.
    response = client.get("/en/search/suggest", query_string={"q": "se", "kind": "place"})
    assert response.json["suggestions"] == []
    # An unknown kind is ignored: every kind, as without it.
    odd = client.get("/en/search/suggest", query_string={"q": "se", "kind": "x"}).json
    assert odd["suggestions"] == _suggest(client, "se")


def _search_box(html: str, box_id: str) -> str:
    found = re.search(rf'<input id="{box_id}"[^>]*>', html, re.S)
    assert found, box_id
    return found.group(0)


@pytest.mark.parametrize(
    ("path", "box", "name"),
    [("/en/", "home-q", "q"), ("/en/", "home-where", "where"), ("/en/search", "search-q", "q")],
)
def test_search_boxes_are_plain_fields_wired_for_suggestions(client, path, box, name):
    response = client.get(path)
    html = response.get_data(as_text=True)
    field = _search_box(html, box)
    # A plain search field of a GET form until suggest.js makes it a combobox.
    assert f'name="{name}"' in field and 'type="search"' in field
    assert 'role="combobox"' not in field
    assert f'data-suggest-listbox="{box}-listbox"' in field
    assert f'<ul id="{box}-listbox" class="combobox__listbox" role="listbox"' in html
    status = f'<div id="{box}-status" class="visually-hidden" role="status" aria-live="polite">'
    assert status in html
    assert "js/suggest.js" in html
    # No inline script: the strict CSP stays as it is.
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", html)


def test_announcements_are_translated(client, french_catalog):
    field = _search_box(client.get("/fr/").get_data(as_text=True), "home-q")
    assert 'data-msg-many="{count} suggestions, utilisez les flèches' in field
    assert 'data-msg-kind-place="Lieu"' in field
