"""A missing or damaged embedded index is reported (search and /healthz 503); reindex repairs it.

Also: ``CURRENT`` is only ever a file name inside the index directory, and the snapshot is data
(JSON and typed columns) that loads without running code.
"""

from __future__ import annotations

import pickle
import random
import sqlite3
from array import array

import pytest

from directory.search import get_backend
from directory.search.base import FACETS, SearchQuery, SearchUnavailable
from directory.search.embedded import EmbeddedBackend, snapshot
from directory.search.embedded.model import Model
from directory.search.embedded.store import (
    POINTER,
    IndexBroken,
    connect,
    load_snapshot,
    store_snapshot,
)
from tests.search.test_embedded import QUERIES, _answer, _doc


def _index(tmp_path, count=20) -> EmbeddedBackend:
    rng = random.Random(4)
    backend = EmbeddedBackend(tmp_path)
    backend.rebuild(_doc(i, rng) for i in range(1, count + 1))
    return backend


def _live(tmp_path):
    return tmp_path / (tmp_path / POINTER).read_text()


# -- the snapshot format ---------------------------------------------------------------------


def test_snapshot_round_trip_gives_the_same_model_and_answers():
    rng = random.Random(9)
    model = Model()
    for i in range(1, 300):
        model.add(_doc(i, rng))
    for i in range(1, 300, 7):  # dead slots and replaced documents
        model.add(dict(_doc(i, rng), name=f"Renamed {i}"))
    model.remove(5)
    loaded, seq = snapshot.loads(snapshot.dumps(model, 42))
    assert seq == 42
    assert _state(loaded) == _state(model)
    assert list(loaded.slot_of.items()) == list(model.slot_of.items())
    for query in [*QUERIES, SearchQuery(facets=FACETS)]:
        assert _answer(loaded, query) == _answer(model, query)
    loaded.add(_doc(1000, rng))  # the loaded columns keep growing
    assert loaded.count == model.count + 1


def _state(model: Model) -> dict:
    """The model's stored attributes, comparable (arrays as bytes: NaN ratings compare equal)."""

    def plain(value):
        if isinstance(value, array):
            return (value.typecode, value.tobytes())
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    state = model.__getstate__()
    state["facets"] = vars(state["facets"])
    return plain(state)


class Planted:
    """What an attacker's pickle would run on load."""

    ran = False

    def __reduce__(self):
        return (Planted._run, ())

    @staticmethod
    def _run():
        Planted.ran = True
        return Model()


def test_a_pickled_snapshot_is_never_unpickled(tmp_path):
    backend = _index(tmp_path)
    path = _live(tmp_path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'snapshot'",
            (pickle.dumps((4, Planted(), 0)),),
        )
    conn.close()
    with pytest.raises(snapshot.SnapshotError):
        load_snapshot(connect(path))
    fresh = EmbeddedBackend(tmp_path)  # another worker: falls back to the documents
    assert fresh.count() == backend.count() == 20
    assert not Planted.ran


@pytest.mark.parametrize(
    "blob",
    [b"", b"DIRSNAP1", b"DIRSNAP1\xff\xff\xff\xff{", b"DIRSNAP1\x02\x00\x00\x00{}", b"garbage"],
)
def test_a_damaged_snapshot_is_a_snapshot_error(blob):
    with pytest.raises(snapshot.SnapshotError):
        snapshot.loads(blob)


def test_a_truncated_snapshot_is_a_snapshot_error():
    model = Model()
    model.add(_doc(1, random.Random(1)))
    with pytest.raises(snapshot.SnapshotError):
        snapshot.loads(snapshot.dumps(model, 0)[:-10])


# -- CURRENT ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pointer", ["../outside.sqlite", "/etc/passwd", "sub/index-x.sqlite", "..", "evil.sqlite"]
)
def test_current_is_only_a_file_name_in_the_folder(tmp_path, pointer):
    index = tmp_path / "search"
    _index(index)
    outside = tmp_path / "outside.sqlite"
    (index / POINTER).write_text(pointer)
    reader = EmbeddedBackend(index)
    with pytest.raises(IndexBroken):
        reader.search(SearchQuery(text="seo"))
    ok, detail = reader.health()
    assert not ok and "run reindex" in detail
    assert not outside.exists()  # nothing created outside the folder


# -- missing or damaged index, seen by a running reader and by a fresh one ---------------------


def _break(kind: str, tmp_path) -> None:
    live = _live(tmp_path)
    if kind == "delete everything":
        for path in tmp_path.iterdir():
            path.unlink()
    elif kind == "delete the index files":
        for path in tmp_path.glob("index-*"):
            path.unlink()
    elif kind == "CURRENT names a missing file":
        (tmp_path / POINTER).write_text("index-20240101T000000-0123abcd.sqlite")
    elif kind == "CURRENT removed":
        (tmp_path / POINTER).unlink()
    elif kind == "garbage index file":
        live.unlink()
        live.write_bytes(b"this is not an index" * 100)


KINDS = [
    "delete the index files",
    "CURRENT names a missing file",
    "CURRENT removed",
    "garbage index file",
]


@pytest.mark.parametrize("kind", [*KINDS, "delete everything"])
def test_a_running_reader_reports_a_broken_index(tmp_path, kind):
    reader = _index(tmp_path)
    assert reader.search(SearchQuery(text="seo")).total >= 0
    _break(kind, tmp_path)
    with pytest.raises(SearchUnavailable):
        reader.search(SearchQuery(text="seo"))
    ok, detail = reader.health()
    assert not ok and "reindex" in detail


@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_reader_reports_a_broken_index_and_creates_nothing(tmp_path, kind):
    _index(tmp_path)
    _break(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    reader = EmbeddedBackend(tmp_path)
    with pytest.raises(SearchUnavailable):
        reader.search(SearchQuery(text="seo"))
    assert not reader.health()[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    with pytest.raises(SearchUnavailable):  # writers too: the outbox keeps their changes
        reader.upsert([_doc(99, random.Random(0))])


@pytest.mark.parametrize("kind", [*KINDS, "delete everything"])
def test_a_rebuild_repairs_a_broken_index(tmp_path, kind):
    reader = _index(tmp_path)
    garbage = _live(tmp_path)
    _break(kind, tmp_path)
    rng = random.Random(6)
    builder = EmbeddedBackend(tmp_path)  # ``flask reindex``, another process
    assert builder.rebuild(_doc(i, rng) for i in range(1, 13)) == 12
    assert reader.count() == 12
    assert reader.health()[0]
    assert EmbeddedBackend(tmp_path).search(SearchQuery()).total == 12
    if kind == "garbage index file":
        assert not garbage.exists()  # replaced, not left for someone to delete by hand


def test_a_first_use_still_creates_an_empty_index(tmp_path):
    reader = EmbeddedBackend(tmp_path / "new")
    assert reader.search(SearchQuery()).total == 0
    assert reader.health()[0]


# -- through the app ---------------------------------------------------------------------------


def test_search_page_and_healthz_say_unavailable_then_reindex_repairs(app, client, runner, factory):
    factory.agency(name="Brightwave")
    backend = get_backend(app)
    assert "Brightwave" in client.get("/en/search?q=brightwave").get_data(as_text=True)
    index = backend.dir
    (index / POINTER).write_text("index-20240101T000000-0123abcd.sqlite")
    page = client.get("/en/search?q=brightwave")
    assert page.status_code == 503
    assert client.get("/api/v1/search?q=brightwave").status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["checks"]["search"]["ok"] is False
    for path in index.glob("index-*.sqlite"):
        path.write_bytes(b"garbage")
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert client.get("/healthz").status_code == 200
    assert "Brightwave" in client.get("/en/search?q=brightwave").get_data(as_text=True)


def test_an_emptied_index_after_a_restart_is_degraded(app, client, runner, factory):
    """Every file deleted, then the workers restart: a fresh empty index is not "ok"."""
    factory.agency(name="Brightwave")
    index = get_backend(app).dir
    assert client.get("/healthz").status_code == 200
    for path in index.iterdir():
        path.unlink()
    app.extensions.pop("search_backend")  # a restarted worker
    health = client.get("/healthz")
    assert health.status_code == 503
    assert (
        "listed agencies in the database: 1; run reindex"
        in health.get_json()["checks"]["search"]["detail"]
    )
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert client.get("/healthz").status_code == 200


def test_an_empty_directory_is_healthy(client):
    assert client.get("/healthz").status_code == 200


def test_a_model_attribute_the_format_does_not_know_is_not_stored_half(tmp_path, caplog):
    model = Model()
    model.add(_doc(1, random.Random(1)))
    model.new_column = array("q", [1])  # a future attribute, not yet in the format
    with pytest.raises(snapshot.SnapshotError, match="new_column"):
        snapshot.dumps(model, 0)
    conn = connect(tmp_path / "index-20240101T000000-0123abcd.sqlite")
    store_snapshot(conn, model, 0)
    assert load_snapshot(conn) is None  # workers load the documents instead
    conn.close()
