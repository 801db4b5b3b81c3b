"""The Meilisearch backend at the HTTP boundary: settings, search, and failures.

No Meilisearch here: a scripted server (``meili_fake``) answers like the documented API and
the tests read back what the backend sent. What only a live server can prove runs in the
contract suite and ``test_meili_writes`` (``-m meili`` with MEILI_URL set).
"""

from __future__ import annotations

import json
import socket
import time

import pytest
from werkzeug import Response

from directory.search.base import FACETS, SearchQuery, SearchUnavailable
from directory.search.meili import MeilisearchBackend
from directory.search.meili import settings as meili_settings
from directory.search.meili.settings import index_settings

from .meili_fake import FakeMeili, doc, empty_answer, stats

# --- settings ---------------------------------------------------------------------------

DEFAULT_LIVE_SETTINGS = {
    "displayedAttributes": ["*"],
    "searchableAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "rankingRules": [
        "words",
        "typo",
        "proximity",
        "attributeRank",
        "sort",
        "wordPosition",
        "exactness",
    ],
    "stopWords": [],
    "synonyms": {},
    "localizedAttributes": None,
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnWords": [],
        "disableOnAttributes": [],
        "disableOnNumbers": False,
    },
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}},
    "pagination": {"maxTotalHits": 1000},
    "searchCutoffMs": None,
}


def test_apply_settings_creates_the_index_and_patches_the_exact_settings(fake, backend):
    fake.routes[("GET", "/indexes/agencies/settings")] = DEFAULT_LIVE_SETTINGS
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = stats(0)

    assert backend.apply_settings() == "updated"

    create, patch = fake.writes()
    assert create == ("POST", "/indexes", {"uid": "agencies", "primaryKey": "id"})
    method, path, body = patch
    assert (method, path) == ("PATCH", "/indexes/agencies/settings")
    assert body == index_settings()
    assert body["searchableAttributes"][:3] == ["name", "services_en", "services_fr"]
    assert body["filterableAttributes"] == [
        {
            "attributePatterns": ["city"],
            "features": {"facetSearch": True, "filter": {"equality": True, "comparison": False}},
        },
        {
            "attributePatterns": [
                "id",
                *(f for f in FACETS if f != "city"),
            ],
            "features": {"facetSearch": False, "filter": {"equality": True, "comparison": False}},
        },
        {
            "attributePatterns": ["rating_avg"],
            "features": {"facetSearch": False, "filter": {"equality": True, "comparison": True}},
        },
        "_geo",
    ]
    assert body["sortableAttributes"] == [
        "bayesian_score",
        "review_count",
        "name_sort",
        "created_at",
        "_geo",
    ]
    assert body["rankingRules"] == [
        "words",
        "typo",
        "proximity",
        "attributeRank",
        "sort",
        "tier_rank:desc",
        "bayesian_score:desc",
        "wordPosition",
        "exactness",
    ]
    assert body["typoTolerance"] == {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnNumbers": True,
    }
    assert body["localizedAttributes"] == [
        {"attributePatterns": ["*_fr"], "locales": ["fra"]},
        {"attributePatterns": ["*_en"], "locales": ["eng"]},
    ]
    assert body["pagination"] == {"maxTotalHits": 200_000}
    assert body["faceting"]["maxValuesPerFacet"] >= 250  # every country fits
    assert body["searchCutoffMs"] < 1500
    # Synonyms both ways, multi-word, English and French.
    assert "référencement naturel" in body["synonyms"]["seo"]
    assert "seo" in body["synonyms"]["référencement naturel"]
    assert "search engine optimization" in body["synonyms"]["référencement naturel"]
    assert "ppc" in body["synonyms"]["google ads"]


def test_apply_settings_does_nothing_when_the_live_settings_match(fake, backend):
    fake.indexes.add("agencies")
    live = json.loads(json.dumps(index_settings()))
    live["typoTolerance"].update({"disableOnWords": [], "disableOnAttributes": []})
    live["sortableAttributes"] = sorted(live["sortableAttributes"])  # the server sorts them
    fake.routes[("GET", "/indexes/agencies/settings")] = live

    assert backend.apply_settings() == "unchanged"
    assert fake.writes() == []


def test_a_reordering_of_searchable_attributes_is_patched_in_place(fake, backend):
    fake.indexes.add("agencies")
    live = json.loads(json.dumps(index_settings()))
    live["searchableAttributes"] = list(reversed(live["searchableAttributes"]))
    fake.routes[("GET", "/indexes/agencies/settings")] = live

    assert backend.apply_settings() == "updated"
    assert [w[:2] for w in fake.writes()] == [("PATCH", "/indexes/agencies/settings")]


def live_index_with(fake, count, **changes):
    fake.indexes.add("agencies")
    live = json.loads(json.dumps(index_settings()))
    live.update(changes)
    fake.routes[("GET", "/indexes/agencies/settings")] = live
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = stats(count)


def test_a_reindexing_change_on_a_live_index_is_left_for_the_rebuild(fake, backend):
    live_index_with(fake, 3, sortableAttributes=["name_sort"], synonyms={})

    assert backend.apply_settings() == "needs-rebuild"
    # Only what does not reindex is patched in place.
    assert fake.writes() == [
        ("PATCH", "/indexes/agencies/settings", {"synonyms": index_settings()["synonyms"]})
    ]


def test_a_reindexing_change_is_applied_by_a_rebuild_when_documents_are_given(fake, backend):
    live_index_with(fake, 3, localizedAttributes=None)
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(1)

    assert backend.apply_settings(documents=lambda: [doc(1)]) == "rebuilt"
    writes = [(m, p) for m, p, _ in fake.writes()]
    assert ("PATCH", "/indexes/agencies/settings") not in writes
    assert ("PATCH", "/indexes/agencies_tmp/settings") in writes
    assert writes[-2:] == [("POST", "/swap-indexes"), ("DELETE", "/indexes/agencies_tmp")]


def test_a_reindexing_change_on_an_empty_index_is_patched(fake, backend):
    live_index_with(fake, 0, sortableAttributes=[])

    assert backend.apply_settings() == "updated"
    assert fake.writes() == [("PATCH", "/indexes/agencies/settings", index_settings())]


def test_differences_classifies_what_reindexes():
    wanted = index_settings()
    live = json.loads(json.dumps(wanted))
    live["synonyms"] = {}
    live["localizedAttributes"] = None
    changed, reindexing = meili_settings.differences(live, wanted)
    assert changed == ["synonyms", "localizedAttributes"]
    assert reindexing == ["localizedAttributes"]


# --- search -----------------------------------------------------------------------------


def test_search_sends_one_multi_search_with_a_query_per_active_facet_group(fake, backend):
    def answer(body):
        main = {
            "hits": [{"id": 7, "_geo": {"lat": 45.76, "lng": 4.84}}],
            "totalHits": 41,
            "totalPages": 3,
            "facetDistribution": {"language": {"fr": 30, "en": 12}},
        }
        country = {"hits": [], "totalHits": 90, "facetDistribution": {"country": {"FR": 41}}}
        service = {
            "hits": [],
            "totalHits": 60,
            "facetDistribution": {"service": {"seo": 20, "branding": 25}},
        }
        rating = {"hits": [], "totalHits": 41, "facetDistribution": {"rating_avg": {}}}
        return {"results": [main, country, service, rating]}

    fake.routes[("POST", "/multi-search")] = answer
    query = SearchQuery(
        text="inbound",
        filters={"country": ("FR", "BE"), "service": ("seo", "ppc-ads")},
        min_rating=4.5,
        page=2,
        facets=("country", "service", "language"),
    )

    result = backend.search(query)

    ((method, path, body),) = fake.log
    assert (method, path) == ("POST", "/multi-search")
    assert body["federation"] is None  # not federated: one answer per query
    main, by_country, by_service, by_rating = body["queries"]
    country_or = ['country = "FR"', 'country = "BE"']
    service_or = ['service = "seo"', 'service = "ppc-ads"']
    assert main == {
        "indexUid": "agencies",
        "q": "inbound",
        "matchingStrategy": "all",
        "filter": [country_or, service_or, "rating_avg >= 4.50"],
        "page": 2,
        "hitsPerPage": 20,
        "attributesToRetrieve": ["id"],  # the point only when a distance is asked for
        "facets": ["language"],
        "attributesToHighlight": ["name", "tagline"],
        "highlightPreTag": "\ue000",
        "highlightPostTag": "\ue001",
    }
    assert by_country == {
        "indexUid": "agencies",
        "q": "inbound",
        "matchingStrategy": "all",
        "filter": [service_or, "rating_avg >= 4.50"],
        "facets": ["country"],
        "page": 1,
        "hitsPerPage": 0,
    }
    assert by_service["filter"] == [country_or, "rating_avg >= 4.50"]
    assert by_service["facets"] == ["service"]
    assert by_rating["filter"] == [country_or, service_or]
    assert by_rating["facets"] == ["rating_avg"]

    assert result.total == 41
    assert [hit.id for hit in result.hits] == [7]
    assert result.facets == {
        "country": {"FR": 41, "BE": 0},  # a selected value keeps its place with 0
        "service": {"seo": 20, "branding": 25, "ppc-ads": 0},
        "language": {"fr": 30, "en": 12},
    }
    assert result.backend == "meilisearch"


def test_all_words_first_then_fewer_only_when_all_find_nothing(fake, backend):
    def answer(body):
        # "markting" is in three agencies, "zzyzx" in none.
        totals = [0 if "zzyzx" in q["q"] else 3 for q in body["queries"]]
        return {
            "results": [
                {"hits": [{"id": 3}] if total else [], "totalHits": total, "facetDistribution": {}}
                for total in totals
            ]
        }

    fake.routes[("POST", "/multi-search")] = answer
    query = SearchQuery(text="zzyzx markting", filters={"tier": ("gold",)}, facets=("tier",))

    result = backend.search(query)

    first, counts, attempts, final = (body["queries"] for _, _, body in fake.log)
    assert {q["matchingStrategy"] for q in first} == {"all"}  # facet queries too
    # One count per word, within the same filter; then the shorter queries in drop order.
    assert [q["q"] for q in counts] == ["zzyzx ", "markting"]
    assert {q["hitsPerPage"] for q in counts + attempts} == {0}
    assert {str(q.get("filter")) for q in counts + attempts} == {str(first[0].get("filter"))}
    assert [q["q"] for q in attempts] == ["markting"]  # the word matching nothing goes first
    assert {q["q"] for q in final} == {"markting"} and final[0]["matchingStrategy"] == "all"
    assert result.relaxed is True and result.ignored == ("zzyzx",)
    assert result.total == 3 and [h.id for h in result.hits] == [3]


def test_a_search_finding_all_words_is_sent_once(fake, backend):
    fake.routes[("POST", "/multi-search")] = {
        "results": [{"hits": [{"id": 1}], "totalHits": 1, "facetDistribution": {}}]
    }

    result = backend.search(SearchQuery(text="marketing lyon", facets=()))

    assert len(fake.log) == 1 and result.relaxed is False


@pytest.mark.parametrize("text", ["zzyzx", ""])
def test_one_word_or_no_word_finding_nothing_is_not_asked_again(fake, backend, text):
    fake.routes[("POST", "/multi-search")] = lambda body: empty_answer(len(body["queries"]))

    result = backend.search(SearchQuery(text=text, facets=()))

    assert len(fake.log) == 1 and result.relaxed is False
    assert ("matchingStrategy" in fake.log[0][2]["queries"][0]) == bool(text)


def test_rating_counts_come_from_the_rating_distribution(fake, backend):
    fake.routes[("POST", "/multi-search")] = {
        "results": [
            {
                "hits": [],
                "totalHits": 4,
                "facetDistribution": {"rating_avg": {"4.5": 1, "3.9": 1, "3.25": 2}},
            }
        ]
    }

    result = backend.search(SearchQuery(facets=("tier",)))

    assert fake.log[0][2]["queries"][0]["facets"] == ["tier", "rating_avg"]
    assert result.rating_counts == {"4.5": 1, "4": 1, "3.5": 2, "3": 4}


def test_hostile_filter_values_are_quoted_literals_in_the_request_body(fake, backend):
    fake.routes[("POST", "/multi-search")] = lambda body: empty_answer(len(body["queries"]))
    hostile = (
        'Paris" OR tier = "elite',
        "x\\",
        '\\" OR 1=1',
        'Lyon") OR (id EXISTS',
        "tier = elite",
        "Saint-Étienne\nOR 1=1",
        "東京 🦀",
    )

    backend.search(SearchQuery(filters={"city": hostile}, facets=()))

    ((_, _, body),) = fake.log
    assert body["queries"][0]["filter"] == [
        [
            r'city = "Paris\" OR tier = \"elite"',
            r'city = "x\\"',
            r'city = "\\\" OR 1=1"',
            r'city = "Lyon\") OR (id EXISTS"',
            'city = "tier = elite"',
            'city = "Saint-Étienne\nOR 1=1"',
            'city = "東京 🦀"',
        ]
    ]


def test_the_query_text_is_sent_as_q_and_never_in_the_filter(fake, backend):
    fake.routes[("POST", "/multi-search")] = lambda body: empty_answer(len(body["queries"]))
    text = 'seo" OR tier = "elite'

    backend.search(SearchQuery(text=text, filters={"tier": ("gold",)}, facets=()))

    query = fake.log[0][2]["queries"][0]
    assert query["q"] == text
    assert query["filter"] == [['tier = "gold"']]


def test_highlights_are_escaped_and_marks_balanced(fake, backend):
    fake.routes[("POST", "/multi-search")] = {
        "results": [
            {
                "hits": [
                    {
                        "id": 3,
                        "_formatted": {
                            "name": "<script>x</script> \ue000Lumi\ue001ère",
                            "tagline": "no match here",
                        },
                    }
                ],
                "totalHits": 1,
            }
        ]
    }

    (hit,) = backend.search(SearchQuery(text="lumi", facets=())).hits

    assert hit.highlights == {"name": "&lt;script&gt;x&lt;/script&gt; <mark>Lumi</mark>ère"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("rating", ["bayesian_score:desc", "review_count:desc"]),
        ("reviews", ["review_count:desc", "bayesian_score:desc"]),
        ("name", ["name_sort:asc"]),
        ("newest", ["created_at:desc"]),
        ("distance", ["_geoPoint(45.764000,4.835700):asc"]),
        ("relevance", None),
    ],
)
def test_every_sort_is_sent_and_distance_comes_back_in_km(fake, backend, sort, expected):
    fake.routes[("POST", "/multi-search")] = {
        "results": [{"hits": [{"id": 1, "_geoDistance": 12345}], "totalHits": 1}]
    }

    result = backend.search(SearchQuery(sort=sort, near=(45.764, 4.8357), facets=()))

    assert fake.log[0][2]["queries"][0].get("sort") == expected
    assert result.hits[0].distance_km == 12.3


# --- failures ---------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_unavailable_fast():
    backend = MeilisearchBackend(f"http://127.0.0.1:{closed_port()}", "key")
    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="seo"))
    assert time.monotonic() - started < 2
    assert backend.health()[0] is False


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_unavailable(httpserver, backend, status):
    httpserver.expect_request("/multi-search").respond_with_data("upstream error", status=status)
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="seo"))


def test_too_many_search_requests_is_unavailable(fake, backend):
    fake.routes[("POST", "/multi-search")] = lambda body: FakeMeili._error(
        503, "too_many_search_requests", "busy"
    )
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="seo"))


def test_a_rejected_key_is_an_outage_for_visitors_and_an_error_in_the_log(
    fake, backend, search_log
):
    fake.routes[("POST", "/multi-search")] = lambda body: FakeMeili._error(
        403, "invalid_api_key", "The provided API key is invalid."
    )
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="seo"))
    assert any(r.levelname == "ERROR" and "invalid" in r.getMessage() for r in search_log.records)


def test_a_slow_server_is_unavailable_within_two_seconds(httpserver, backend):
    import threading

    release = threading.Event()

    def slow(request):
        release.wait(3)  # a server taking 3 s (released early once the test has its answer)
        return Response(json.dumps(empty_answer()), content_type="application/json")

    httpserver.expect_request("/multi-search").respond_with_handler(slow)
    started = time.monotonic()
    try:
        with pytest.raises(SearchUnavailable):
            backend.search(SearchQuery(text="seo"))
        assert time.monotonic() - started < 2.2
    finally:
        release.set()  # the test server is single-threaded: free it for the next test


def test_a_request_the_server_calls_invalid_is_a_bug_not_an_outage(fake, backend):
    fake.routes[("POST", "/multi-search")] = lambda body: FakeMeili._error(
        400, "invalid_search_filter", "Attribute `x` is not filterable."
    )
    from meilisearch.errors import MeilisearchApiError

    with pytest.raises(MeilisearchApiError):
        backend.search(SearchQuery(text="seo"))


def test_health_reports_the_server_status(fake, backend):
    fake.routes[("GET", "/health")] = {"status": "available"}
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = stats(3)
    assert backend.health() == (True, "available (agencies)")


def test_health_names_a_refused_key(fake, backend):
    # GET /health needs no key: only a read of the index shows that the key is wrong.
    fake.routes[("GET", "/health")] = {"status": "available"}
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = lambda body: FakeMeili._error(
        403, "invalid_api_key", "The provided API key is invalid."
    )
    ok, detail = backend.health()
    assert ok is False
    assert detail.startswith("API key problem (invalid_api_key)")
    assert "MEILI_API_KEY" in detail and "test-key" not in detail


def test_from_config_reads_the_meili_keys():
    backend = MeilisearchBackend.from_config(
        {
            "MEILI_URL": "http://meili:7700/",
            "MEILI_API_KEY": "k",
            "MEILI_INDEX": "agencies_test",
            "MEILI_TIMEOUT": 1.0,
        }
    )
    assert (backend.url, backend.api_key, backend.index_uid, backend.timeout) == (
        "http://meili:7700",
        "k",
        "agencies_test",
        1.0,
    )
    with pytest.raises(RuntimeError, match="MEILI_URL"):
        MeilisearchBackend.from_config({"MEILI_URL": None})


def test_each_thread_gets_its_own_client(backend):
    import threading

    clients = []
    thread = threading.Thread(target=lambda: clients.append(backend._client()))
    thread.start()
    thread.join()
    assert clients[0] is not backend._client()
    assert backend._client() is backend._client()
