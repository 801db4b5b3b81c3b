"""The Meilisearch backend's writes: checked tasks, rejected documents, deletes, stamps,
the swap-and-replay rebuild, the drift check, and a few checks against a live server.
"""

from __future__ import annotations

import time

import pytest
from werkzeug import Response

from directory.search.base import SearchQuery, SearchUnavailable
from directory.search.meili import MeilisearchBackend
from directory.search.meili.backend import RebuildFailed
from directory.search.meili.tasks import TaskFailed

from .meili_fake import doc, rejects, stats

# --- writes -----------------------------------------------------------------------------


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

    monkeypatch.setattr("directory.search.meili.backend.REQUEST_WAIT_MS", 300)
    fake.task_outcome = lambda method, path, body: ("processing", None)
    backend = MeilisearchBackend(httpserver.url_for("/").rstrip("/"))  # 120 s for the worker

    started = time.monotonic()
    with Flask(__name__).test_request_context():
        with pytest.raises(SearchUnavailable):
            backend.upsert([doc(1)])
        assert backend._client(write=True).config.timeout == (0.5, 0.3)
    assert time.monotonic() - started < 2
    assert backend._client(write=True).config.timeout == (3.0, 10.0)  # the worker's


def test_delete_uses_a_primary_key_filter_not_the_deprecated_ids(fake, backend):
    backend.delete([5, 3, 3, 9])

    assert fake.writes() == [
        ("POST", "/indexes/agencies/documents/delete", {"filter": "id IN [3, 5]"}),
        ("POST", "/indexes/agencies/documents/delete", {"filter": "id IN [9]"}),
    ]


def test_stamps_page_through_every_document(fake, backend, monkeypatch):
    monkeypatch.setattr("directory.search.meili.backend.PAGE_SIZE", 2)
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
        ("GET", "/indexes/agencies_tmp"),  # its createdAt, to confirm the swap by its effect
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


def test_rebuild_confirms_a_swap_whose_task_the_scoped_key_cannot_read(fake, backend):
    # A key scoped to named indexes gets task_not_found for swap tasks (indexUid null).
    fake.hide_swap_tasks = True
    fake.indexes.add("agencies")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(1)

    assert backend.rebuild([doc(1)]) == 1

    live = [p for m, p, _ in fake.log if (m, p) == ("GET", "/indexes/agencies")]
    assert len(live) >= 2  # before the swap (ensure) and after it (the effect)
    assert fake.created["agencies"] == "created-1"  # the index built by this rebuild
    assert fake.indexes == {"agencies"}


def test_rebuild_streams_documents_with_a_few_batches_in_flight(fake, backend):
    fake.indexes.add("agencies")
    fake.routes[("POST", "/indexes/agencies_tmp/documents/fetch")] = stats(21)

    assert backend.rebuild(doc(i) for i in range(1, 22)) == 21  # a generator, read once

    steps = [p for m, p, _ in fake.log if p.endswith("/documents") or p.startswith("/tasks/")]
    loads = [i for i, p in enumerate(steps) if p.endswith("/documents")]
    assert len(loads) == 11  # batches of 2
    # Eight batches wait in the server's queue (it merges them into larger indexing batches);
    # the first is settled before the eleventh is sent: memory holds a window, not all.
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


def live_doc(i, **fields):
    """A complete document for the live server; ``fields`` override the defaults."""
    defaults = {
        "tier_rank": 0,
        "bayesian_score": 3.5,
        "review_count": 0,
        "rating_avg": None,
        "name_sort": f"agency {i}",
        "created_at": i,
        "country": ["FR"],
        "city": ["FR:Lyon"],
        "_geo": None,
    }
    return doc(i, **{**defaults, **fields})


@pytest.mark.meili
def test_live_settings_are_accepted_and_read_back_as_unchanged(meili_live):
    assert meili_live.apply_settings() == "updated"
    # The server's normalized settings compare equal to ours: nothing to do the second time.
    assert meili_live.apply_settings() == "unchanged"


@pytest.mark.meili
def test_live_rebuild_swaps_and_rejects_one_bad_document(meili_live):
    meili_live.apply_settings()
    meili_live.upsert([live_doc(1)])
    bad = live_doc(3, _geo={"lat": "north", "lng": 4.8})

    assert meili_live.rebuild([live_doc(2), bad, live_doc(4)]) == 2

    assert set(meili_live.stamps()) == {2, 4}
    assert meili_live.count() == 2
    result = meili_live.search(SearchQuery(filters={"city": ("FR:Lyon",)}, facets=("city",)))
    assert result.total == 2 and result.facets["city"] == {"FR:Lyon": 2}
