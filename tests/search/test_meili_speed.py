"""The Meilisearch read path's economies: kept-alive connections, cached results and counts.

At the HTTP boundary (``meili_fake``): what is sent when counts are cached, and that a changed
index (its ``updatedAt``/``createdAt``) is never answered from the cache. Live (``-m meili``):
a write between two searches shows in the counts of the second. The contract suite runs with
the cache on (the backend's default), so every exactness test also covers it.
"""

from __future__ import annotations

import pytest
import requests

from directory.search.base import SearchQuery
from directory.search.meili import MeilisearchBackend
from directory.search.meili.cache import StateCache

from .meili_fake import doc


def _searches(fake):
    return [body["queries"] for method, path, body in fake.log if path == "/multi-search"]


@pytest.fixture
def counting(fake):
    """A scripted index whose ``updatedAt`` the test moves, answering every multi-search."""
    state = {"updated": "2026-12-01T00:00:00Z"}
    fake.routes[("GET", "/indexes/agencies")] = lambda body: {
        "uid": "agencies",
        "primaryKey": "id",
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": state["updated"],
    }

    def answer(body):
        results = []
        for query in body["queries"]:
            facets = {
                name: {"4.5": 3} if name == "rating_avg" else {"FR": 7, "BE": 2}
                for name in query.get("facets", ())
            }
            hits = [{"id": 7}] if query.get("hitsPerPage") else []
            results.append({"hits": hits, "totalHits": 9, "facetDistribution": facets})
        return {"results": results}

    fake.routes[("POST", "/multi-search")] = answer
    return state


QUERY = SearchQuery(
    text="inbound", filters={"country": ("FR",)}, facets=("country", "language"), page=1
)


def test_counts_are_asked_once_while_the_index_is_unchanged(fake, backend, counting):
    backend.search(QUERY)  # a new process: what it stores is checked before its first use
    first = backend.search(QUERY)
    second = backend.search(SearchQuery(**{**QUERY.__dict__, "page": 2, "sort": "rating"}))

    assert ("GET", "/indexes/agencies", None) in fake.log
    _, sent_first, sent_second = _searches(fake)
    assert [q.get("facets") for q in sent_first] == [["language", "rating_avg"], ["country"]]
    # The page is always asked for; the counts it had come from the cache, and the
    # country group's own query is not sent at all.
    assert len(sent_second) == 1
    assert "facets" not in sent_second[0]
    assert sent_second[0]["page"] == 2
    assert (
        second.facets
        == first.facets
        == {
            "country": {"FR": 7, "BE": 2},
            "language": {"FR": 7, "BE": 2},
        }
    )
    assert second.rating_counts == first.rating_counts == {"4.5": 3, "4": 3, "3.5": 3, "3": 3}
    assert second.total == 9
    assert [hit.id for hit in second.hits] == [7]


def test_a_changed_index_is_asked_again(fake, backend, counting):
    backend.state_seconds = 0  # read the state before every reuse
    backend.search(QUERY)
    backend.search(QUERY)
    backend.search(QUERY)
    counting["updated"] = "2026-12-01T00:00:01Z"  # a document was written meanwhile

    backend.search(QUERY)

    # New process (checked, asked again), kept (nothing sent), changed (asked again).
    assert [len(queries) for queries in _searches(fake)] == [2, 2, 2]
    assert all("facets" in q for q in _searches(fake)[-1])


def test_the_same_question_on_an_unchanged_index_is_answered_from_the_cache(
    fake, backend, counting
):
    backend.state_seconds = 0
    backend.search(QUERY)
    first = backend.search(QUERY)
    first.relaxed, first.ignored = True, ("inbound",)  # callers set these on what they get
    second = backend.search(QUERY)

    assert len(_searches(fake)) == 2  # the third search sent nothing
    assert fake.log.count(("GET", "/indexes/agencies", None)) == 2  # one state read each
    assert second is not first and not second.relaxed and second.ignored == ()
    assert [hit.id for hit in second.hits] == [7] and second.total == 9
    assert second.facets == first.facets


def test_the_index_state_is_read_once_a_second_and_again_after_this_process_writes(
    fake, backend, counting, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr("directory.search.meili.backend.time.monotonic", lambda: clock[0])
    states = lambda: fake.log.count(("GET", "/indexes/agencies", None))  # noqa: E731

    backend.search(QUERY)  # nothing cached yet: no state read
    backend.search(QUERY)  # read (1), dropped as unverified, asked again
    backend.search(QUERY)  # answered from the cache on the state read 0 s ago
    counting["updated"] = "2026-12-01T00:00:01Z"  # another process wrote
    clock[0] += 0.5
    backend.search(QUERY)  # still within the second: the cached answer
    assert (states(), len(_searches(fake))) == (1, 2)

    clock[0] += 0.6
    backend.search(QUERY)  # the state is read again: changed, asked again
    assert (states(), len(_searches(fake))) == (2, 3)

    backend.upsert([doc(1)])  # this process writes: its next search reads the state
    backend.search(QUERY)
    assert states() == 3


def test_an_unreadable_index_state_means_no_cached_counts(fake, backend, counting):
    fake.routes[("GET", "/indexes/agencies")] = lambda body: None  # falls through: 404
    for _ in range(3):
        backend.search(QUERY)
    assert [len(queries) for queries in _searches(fake)] == [2, 2, 2]
    assert backend._cache.enabled is False  # and the state is not asked again


def test_the_cache_can_be_turned_off(fake, httpserver, counting):
    off = MeilisearchBackend(httpserver.url_for("/").rstrip("/"), "k", cache_size=0)
    off.search(QUERY)
    off.search(QUERY)
    assert [len(queries) for queries in _searches(fake)] == [2, 2]
    assert ("GET", "/indexes/agencies", None) not in fake.log


def test_from_config_reads_the_cache_settings():
    backend = MeilisearchBackend.from_config(
        {"MEILI_URL": "http://meili:7700", "MEILI_CACHE_SIZE": 0, "MEILI_CACHE_SECONDS": 5}
    )
    assert backend._cache.enabled is False


def test_counts_computed_while_the_cache_was_emptied_are_not_kept():
    cache = StateCache(size=10, ttl=60)
    cache.store("k", {"country": {"FR": 1}}, 0)
    (found,), generation = cache.lookup(["k"], lambda: "state-1")
    assert found is None  # first state read: nothing filed under it yet
    cache.store("k", {"country": {"FR": 1}}, generation)
    cache.clear()  # another thread saw the index change while a search ran
    cache.store("k", {"country": {"FR": 2}}, generation)
    (found,), _ = cache.lookup(["k"], lambda: "state-1")
    assert found is None


def test_searches_go_through_kept_alive_sessions(fake, backend, counting, monkeypatch):
    def refuser(verb):
        def refuse(*args, **kwargs):
            raise AssertionError("a module-level requests call opens a new connection")

        refuse.__name__ = verb  # the client picks the HTTP verb by this name
        return refuse

    for verb in ("get", "post", "put", "patch", "delete"):
        monkeypatch.setattr(requests, verb, refuser(verb))

    backend.search(QUERY)
    backend.search(QUERY)

    client = backend._client()
    assert client is backend._client()  # one client (one session) per thread
    assert isinstance(client.session, requests.Session)


@pytest.mark.meili
def test_live_counts_follow_a_write_between_two_searches(meili_live):
    meili_live.apply_settings()
    meili_live.upsert([doc(1, country="FR"), doc(2, country="BE")])
    query = SearchQuery(filters={"country": ("FR",)}, facets=("country",))
    for _ in range(2):  # the second files its counts under the index's state
        assert meili_live.search(query).facets["country"] == {"FR": 1, "BE": 1}

    meili_live.upsert([doc(3, country="BE")])

    again = meili_live.search(SearchQuery(**{**query.__dict__, "page": 2}))
    assert again.facets["country"] == {"FR": 1, "BE": 2}


def test_kept_alive_connections_acknowledge_responses_at_once(fake, backend, counting):
    # Measured: on a reused connection Linux delays the ACK ~40 ms and Meilisearch holds the
    # rest of a multi-segment answer until it comes; each response read sets TCP_QUICKACK.
    from directory.search.meili import client as meili_client

    backend.search(QUERY)
    session = backend._client().session
    for url in (backend.url, "https://meili.example"):
        pool = session.get_adapter(url).poolmanager.connection_from_url(url)
        assert issubclass(pool.ConnectionCls, meili_client._QuickAck)


def test_rebuilds_send_larger_batches_with_more_queued_than_edits(fake, httpserver):
    # 20k agencies: 12-13 s in 5,000 x 8 against 18-24 s in 1,000 x 4 (Meilisearch merges
    # queued additions into fewer indexing batches); edits keep small requests.
    from directory.search.meili import backend as meili_backend

    default = MeilisearchBackend(httpserver.url_for("/").rstrip("/"), "k")
    assert (default.batch_size, default.rebuild_batch_size) == (1000, 5000)
    assert meili_backend.REBUILD_WINDOW == 8
    fake.indexes.add("agencies")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = {
        "results": [{"id": 1}],
        "offset": 0,
        "limit": 1,
        "total": 1200,
    }
    assert default.rebuild(doc(i) for i in range(1, 1201)) == 1200
    loads = [body for method, path, body in fake.log if path.endswith("/documents")]
    assert [len(batch) for batch in loads] == [1200]
