"""The Meilisearch backend at the HTTP boundary, against a scripted fake server.

No Meilisearch here: pytest-httpserver answers like the documented API (tasks, settings,
multi-search, swap), and the tests read back what the backend sent. What only a live server
can prove runs in the contract suite (``-m meili`` with MEILI_URL set).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time

import pytest
from werkzeug import Response

from directory.search import meili_settings
from directory.search.base import FACETS, SearchQuery, SearchUnavailable
from directory.search.meili import MeilisearchBackend, RebuildFailed
from directory.search.meili_settings import index_settings
from directory.search.meili_tasks import TaskFailed

ENQUEUED = "2026-11-26T12:00:00.000000Z"


class FakeMeili:
    """A scripted Meilisearch: records every request, queues writes as tasks.

    ``task_outcome(method, path, body)`` decides how a write's task ends: ``None`` for
    success or ``(status, code)``. ``routes`` maps ``(method, path)`` to a JSON answer (or a
    callable taking the body; ``None`` from it means "behave as usual").
    """

    def __init__(self):
        self.log: list[tuple[str, str, object]] = []
        self.tasks: dict[int, dict] = {}
        self.routes: dict[tuple[str, str], object] = {}
        self.task_outcome = lambda method, path, body: None
        self.indexes: set[str] = set()
        self.query_strings: dict[str, list[str]] = {}

    def __call__(self, request):
        body = json.loads(request.data) if request.data else None
        path = request.path
        self.log.append((request.method, path, body))
        self.query_strings.setdefault(path, []).append(request.query_string.decode())
        task = re.fullmatch(r"/tasks/(\d+)", path)
        if task:
            return self._json(self.tasks[int(task.group(1))])
        answer = self.routes.get((request.method, path))
        value = answer(body) if callable(answer) else answer
        if isinstance(value, Response):
            return value
        if value is not None:  # None: fall through to the default behaviour
            return self._json(value)
        if request.method in ("POST", "PATCH", "PUT", "DELETE"):
            return self._enqueue(request.method, path, body)
        if request.method == "GET" and (m := re.fullmatch(r"/indexes/([\w-]+)", path)):
            if m.group(1) in self.indexes:
                return self._json({"uid": m.group(1), "primaryKey": "id"})
            return self._error(404, "index_not_found", f"Index `{m.group(1)}` not found.")
        return self._error(404, "not_found", f"no route {request.method} {path}")

    def writes(self) -> list[tuple[str, str, object]]:
        """The write requests, in order (reads sent as POST excluded)."""
        reads = ("/documents/fetch", "/multi-search", "/search")
        return [e for e in self.log if e[0] != "GET" and not e[1].endswith(reads)]

    def _enqueue(self, method, path, body):
        uid = len(self.tasks)
        outcome = self.task_outcome(method, path, body)
        if (method, path) == ("POST", "/indexes"):
            self.indexes.add(body["uid"])
        elif method == "DELETE" and (m := re.fullmatch(r"/indexes/([\w-]+)", path)):
            if m.group(1) in self.indexes:
                self.indexes.discard(m.group(1))
            else:
                outcome = ("failed", "index_not_found")
        status, code = ("succeeded", None) if outcome is None else outcome
        index = path.split("/")[2] if path.startswith("/indexes/") else None
        self.tasks[uid] = {
            "uid": uid,
            "indexUid": index,
            "status": status,
            "type": "documentAdditionOrUpdate",
            "enqueuedAt": ENQUEUED,
            "error": None if code is None else {"code": code, "message": f"{code} (fake)"},
        }
        info = {
            "taskUid": uid,
            "indexUid": index,
            "status": "enqueued",
            "type": "documentAdditionOrUpdate",
            "enqueuedAt": ENQUEUED,
        }
        return self._json(info, 202)

    @staticmethod
    def _json(value, status=200):
        return Response(json.dumps(value), status=status, content_type="application/json")

    @staticmethod
    def _error(status, code, message):
        body = {"message": message, "code": code, "type": "invalid_request", "link": ""}
        return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def fake(httpserver):
    server = FakeMeili()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(server)
    return server


@pytest.fixture
def backend(httpserver):
    return MeilisearchBackend(
        httpserver.url_for("/").rstrip("/"), "test-key", timeout=1.5, batch_size=2
    )


@pytest.fixture
def search_log(caplog):
    """Capture the ``directory.search`` loggers even after the app stopped propagation."""
    logger = logging.getLogger("directory.search")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="directory.search")
    yield caplog
    logger.removeHandler(caplog.handler)


def empty_answer(query_count=1):
    hit = {"hits": [], "totalHits": 0, "totalPages": 0, "page": 1, "hitsPerPage": 20}
    return {"results": [dict(hit, facetDistribution={}) for _ in range(query_count)]}


def doc(i, **fields):
    return {"id": i, "name": f"Agency {i}", "updated": f"2026-11-2{i % 10}T00:00:00Z", **fields}


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
        "filter": [country_or, service_or, "rating_avg >= 4.50"],
        "page": 2,
        "hitsPerPage": 20,
        "attributesToRetrieve": ["id", "_geo"],
        "facets": ["language"],
        "attributesToHighlight": ["name", "tagline"],
        "highlightPreTag": "\ue000",
        "highlightPostTag": "\ue001",
    }
    assert by_country == {
        "indexUid": "agencies",
        "q": "inbound",
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
    assert backend.health() == (True, "available (agencies)")


# --- writes -----------------------------------------------------------------------------


def rejects(*bad_ids, code="invalid_document_geo_field"):
    """A task outcome failing any document batch that contains one of ``bad_ids``."""

    def outcome(method, path, body):
        if path.endswith("/documents") and any(d["id"] in bad_ids for d in body):
            return ("failed", code)
        return None

    return outcome


def test_a_rejected_document_is_isolated_logged_and_does_not_block_the_others(
    fake, backend, search_log
):
    fake.task_outcome = rejects(3)
    docs = [doc(i) for i in range(1, 6)]

    rejected = backend.upsert(docs)

    assert [(r.id, r.code) for r in rejected] == [(3, "invalid_document_geo_field")]
    added = [
        [d["id"] for d in body]
        for method, path, body in fake.writes()
        if path == "/indexes/agencies/documents"
    ]
    # Batches of 2: [1,2] ok, [3,4] fails and is split, [5] ok.
    assert added == [[1, 2], [3, 4], [5], [3], [4]]
    assert "agency 3 rejected (invalid_document_geo_field)" in search_log.text
    # Whole documents replace the old ones, keyed on the primary key named on every request.
    assert set(fake.query_strings["/indexes/agencies/documents"]) == {"primaryKey=id"}


def test_a_batch_too_large_for_a_proxy_is_split(fake, backend):
    def too_large(body):
        if len(body) > 1:
            return Response("Request Entity Too Large", status=413)
        return None

    fake.routes[("POST", "/indexes/agencies/documents")] = too_large

    assert backend.upsert([doc(1), doc(2)]) == []
    sent = [[d["id"] for d in b] for m, p, b in fake.writes() if p.endswith("/documents")]
    assert sent == [[1, 2], [1], [2]]


def test_a_task_failing_for_the_index_is_raised_not_bisected(fake, backend):
    code = "index_primary_key_no_candidate_found"
    fake.task_outcome = lambda method, path, body: ("failed", code)

    with pytest.raises(TaskFailed) as excinfo:
        backend.upsert([doc(1), doc(2)])
    assert excinfo.value.code == code
    assert len(fake.writes()) == 1


def test_a_task_that_never_finishes_is_unavailable(fake, httpserver):
    fake.task_outcome = lambda method, path, body: ("processing", None)
    backend = MeilisearchBackend(httpserver.url_for("/").rstrip("/"), task_timeout_ms=200)

    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        backend.upsert([doc(1)])
    assert time.monotonic() - started < 2


def test_inside_a_web_request_a_write_waits_briefly(fake, httpserver, monkeypatch):
    from flask import Flask

    monkeypatch.setattr("directory.search.meili.REQUEST_WAIT_MS", 300)
    fake.task_outcome = lambda method, path, body: ("processing", None)
    backend = MeilisearchBackend(httpserver.url_for("/").rstrip("/"))  # 120 s for the worker

    started = time.monotonic()
    with Flask(__name__).test_request_context():
        with pytest.raises(SearchUnavailable):
            backend.upsert([doc(1)])
        assert backend._client(write=True).config.timeout == (0.5, 0.3)
    assert time.monotonic() - started < 2
    assert backend._client(write=True).config.timeout == (3.0, 30.0)  # the worker's


def test_delete_uses_a_primary_key_filter_not_the_deprecated_ids(fake, backend):
    backend.delete([5, 3, 3, 9])

    assert fake.writes() == [
        ("POST", "/indexes/agencies/documents/delete", {"filter": "id IN [3, 5]"}),
        ("POST", "/indexes/agencies/documents/delete", {"filter": "id IN [9]"}),
    ]


def test_stamps_page_through_every_document(fake, backend, monkeypatch):
    monkeypatch.setattr("directory.search.meili.PAGE_SIZE", 2)
    pages = {
        0: [{"id": 1, "updated": "a"}, {"id": 2, "updated": "b"}],
        2: [{"id": 3, "updated": "c"}],
    }
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = lambda body: {
        "results": pages[body["offset"]],
        "offset": body["offset"],
        "limit": body["limit"],
        "total": 3,
    }

    assert backend.stamps() == {1: "a", 2: "b", 3: "c"}
    assert [entry[2] for entry in fake.log] == [
        {"fields": ["id", "updated"], "limit": 2, "offset": 0},
        {"fields": ["id", "updated"], "limit": 2, "offset": 2},
    ]


# --- rebuild ----------------------------------------------------------------------------


def stats(count):
    """The answer of POST /documents/fetch with limit 1: its ``total`` is the count."""
    return {"results": [{"id": 1}][:count], "offset": 0, "limit": 1, "total": count}


def test_rebuild_fills_a_new_index_checks_it_swaps_and_drops_the_old(fake, backend):
    fake.indexes.add("agencies")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(3)

    assert backend.rebuild([doc(1), doc(2), doc(3)]) == 3

    steps = [(method, path) for method, path, _ in fake.log if not path.startswith("/tasks/")]
    assert steps == [
        ("DELETE", "/indexes/agencies_tmp"),  # a leftover from a failed run
        ("POST", "/indexes"),
        ("PATCH", "/indexes/agencies_tmp/settings"),
        ("POST", "/indexes/agencies_tmp/documents"),
        ("POST", "/indexes/agencies_tmp/documents"),
        ("POST", "/indexes/agencies_tmp/documents/fetch"),
        ("GET", "/indexes/agencies"),
        ("POST", "/swap-indexes"),
        ("DELETE", "/indexes/agencies_tmp"),  # now holding the previous documents
    ]
    bodies = {path: body for method, path, body in fake.log if method == "POST"}
    assert bodies["/indexes"] == {"uid": "agencies_tmp", "primaryKey": "id"}
    assert bodies["/swap-indexes"] == [{"indexes": ["agencies", "agencies_tmp"]}]
    outcomes = [(t["status"], (t["error"] or {}).get("code")) for t in fake.tasks.values()]
    assert outcomes[0] == ("failed", "index_not_found")  # no leftover: fine
    assert set(outcomes[1:]) == {("succeeded", None)}
    # Every task was waited for: each one was read back.
    assert {p for m, p, _ in fake.log if p.startswith("/tasks/")} == {
        f"/tasks/{uid}" for uid in fake.tasks
    }
    assert fake.indexes == {"agencies"}


def test_rebuild_streams_documents_with_a_few_batches_in_flight(fake, backend):
    fake.indexes.add("agencies")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(11)

    assert backend.rebuild(doc(i) for i in range(1, 12)) == 11  # a generator, read once

    steps = [p for m, p, _ in fake.log if p.endswith("/documents") or p.startswith("/tasks/")]
    loads = [i for i, p in enumerate(steps) if p.endswith("/documents")]
    assert len(loads) == 6  # batches of 2
    # The first batch is settled before the sixth is sent: memory holds a window, not all.
    assert steps.index("/tasks/3") < loads[-1]


def test_rebuild_refuses_to_swap_an_incomplete_index(fake, backend):
    fake.indexes.add("agencies")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(2)

    with pytest.raises(RebuildFailed, match="holds 2 documents, not 3"):
        backend.rebuild([doc(1), doc(2), doc(3)])

    paths = [(method, path) for method, path, _ in fake.writes()]
    assert ("POST", "/swap-indexes") not in paths
    assert paths[-1] == ("DELETE", "/indexes/agencies_tmp")


def test_rebuild_counts_rejected_documents_out(fake, backend):
    fake.indexes.add("agencies")
    fake.task_outcome = rejects(2, code="invalid_document_id")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(2)

    assert backend.rebuild([doc(1), doc(2), doc(3)]) == 2
    assert ("POST", "/swap-indexes") in [(m, p) for m, p, _ in fake.writes()]


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


# --- search-check -----------------------------------------------------------------------


def test_check_index_finds_and_repairs_drift_through_the_meilisearch_backend(
    app, factory, fake, backend
):
    from directory.search.check import check_index, database_stamps

    # Ids only: building documents expunges the session's objects.
    in_sync, stale, missing = (factory.agency().id for _ in range(3))
    unlisted = factory.agency(listed=False).id
    wanted = database_stamps()
    live = [
        {"id": in_sync, "updated": wanted[in_sync]},
        {"id": stale, "updated": "2020-01-01T00:00:00/old"},
        {"id": unlisted, "updated": "x"},
        {"id": 10**9, "updated": "y"},
    ]
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = lambda body: {
        "results": live[body["offset"] :],
        "offset": body["offset"],
        "limit": body["limit"],
        "total": len(live),
    }

    drift = check_index(backend, repair=True)

    assert (drift.missing, drift.stale, drift.extra) == (
        [missing],
        [stale],
        sorted([unlisted, 10**9]),
    )
    sent, deleted = fake.writes()
    assert sorted(d["id"] for d in sent[2]) == sorted([missing, stale])
    assert all(d["updated"] == wanted[d["id"]] for d in sent[2])
    assert deleted[2] == {"filter": f"id IN [{unlisted}, {10**9}]"}
    report = "\n".join(drift.lines())
    assert "missing: 1" in report and "stale: 1" in report and "extra: 2" in report
    assert "fixed: upserted 2, deleted 2" in report


def test_check_index_without_repair_only_reports(app, factory, fake, backend):
    from directory.search.check import check_index

    factory.agency()
    fake.routes[("POST", "/indexes/agencies/documents/fetch")] = {
        "results": [],
        "offset": 0,
        "limit": 5000,
        "total": 0,
    }

    drift = check_index(backend, repair=False)

    assert len(drift.missing) == 1 and not drift.repaired
    assert fake.writes() == []


# --- against a live server (MEILI_URL set, ``-m meili``) ------------------------------------


@pytest.fixture
def live():
    """A backend on a fresh, uniquely named index of the live server; dropped afterwards."""
    import os
    import uuid

    url = os.environ.get("MEILI_URL")
    if not url:
        pytest.skip("MEILI_URL is not set")
    backend = MeilisearchBackend(
        url, os.environ.get("MEILI_API_KEY"), index_uid=f"meili_{uuid.uuid4().hex[:10]}"
    )
    yield backend
    for uid in (backend.index_uid, backend.tmp_uid):
        backend._discard(uid)


def live_doc(i, **fields):
    return doc(
        i,
        tier_rank=0,
        bayesian_score=3.5,
        review_count=0,
        rating_avg=None,
        name_sort=f"agency {i}",
        created_at=i,
        country=["FR"],
        city=["FR:Lyon"],
        _geo=None,
        **fields,
    )


@pytest.mark.meili
def test_live_settings_are_accepted_and_read_back_as_unchanged(live):
    assert live.apply_settings() == "updated"
    # The server's normalized settings compare equal to ours: nothing to do the second time.
    assert live.apply_settings() == "unchanged"


@pytest.mark.meili
def test_live_rebuild_swaps_and_rejects_one_bad_document(live):
    live.apply_settings()
    live.upsert([live_doc(1)])
    bad = live_doc(3, _geo={"lat": "north", "lng": 4.8})

    assert live.rebuild([live_doc(2), bad, live_doc(4)]) == 2

    assert set(live.stamps()) == {2, 4}
    assert live.count() == 2
    result = live.search(SearchQuery(filters={"city": ("FR:Lyon",)}, facets=("city",)))
    assert result.total == 2 and result.facets["city"] == {"FR:Lyon": 2}
