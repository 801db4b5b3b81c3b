"""Faults on a real Meilisearch: killed mid-sync, frozen, killed mid-rebuild, a wrong key.

Each test starts its own server from ``MEILI_BIN`` (``meili_server`` in conftest) on a
private data folder, so it can kill, freeze and restart it without touching anyone else's.
Every wait is bounded: a test that would hang fails instead, well under 30 seconds.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from directory.db import db
from directory.models import SearchOutbox
from directory.search import get_backend
from directory.search.base import SearchQuery
from directory.search.check import check_index
from directory.search.documents import iter_documents_for_rebuild
from directory.search.outbox import drain_all, enqueue, rebuild_running
from directory.search.rebuild import reindex
from directory.search.worker import run_worker
from directory.services.demo.seed import generate_agencies
from directory.services.imports.pipeline import import_records
from tests.support.factories import Factory

pytestmark = pytest.mark.meili


def outbox_size() -> int:
    """Rows waiting in the outbox, read in a fresh snapshot."""
    db.session.rollback()
    return db.session.scalar(select(func.count(SearchOutbox.id)))


def wait_for(condition, seconds: float, what: str) -> float:
    """Poll ``condition`` until true; fail after ``seconds``. Returns the time it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - started


def search_ids(backend, text: str = "") -> list[int]:
    """Every id the index answers for ``text`` (small test indexes: one page)."""
    return sorted(h.id for h in backend.search(SearchQuery(text=text, per_page=100)).hits)


class Worker:
    """``search-sync --follow`` in a thread (its own app context), stopped on demand."""

    def __init__(self, app, batch: int):
        self.stop = threading.Event()
        self.errors: list[BaseException] = []

        def run():
            with app.app_context():
                try:
                    run_worker(follow=True, interval=0.1, batch=batch, stop=self.stop)
                except BaseException as exc:  # reported by join()
                    self.errors.append(exc)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> None:
        """Stop after the current round; fail if the loop died or would not stop."""
        self.stop.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the worker did not stop within 15 s"
        assert not self.errors, self.errors


# -- a) killed in the middle of a sync ------------------------------------------------------------


def test_sigkill_during_sync_then_restart_drains_the_outbox_with_no_drift(meili_app, meili_server):
    app = meili_app()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search-setup"]).exit_code == 0
    meili_server.kill()
    # Written while the server is down: every push fails at once, the outbox keeps it all.
    result = import_records(generate_agencies(120, seed=7))
    assert result.created == 120, result
    queued = outbox_size()
    assert queued >= 120
    meili_server.start()

    worker = Worker(app, batch=20)  # several batches, so the kill lands mid-way
    try:
        wait_for(lambda: outbox_size() < queued, 15, "the worker's first batch")
        meili_server.kill()
        left = outbox_size()
        assert 0 < left < queued, "the kill should land in the middle of the sync"
        time.sleep(0.5)  # the worker meets the dead server (failed rounds, rows kept)
        assert outbox_size() > 0
        meili_server.start()  # same data folder: tasks enqueued before the kill survive
        wait_for(lambda: outbox_size() == 0, 20, "the outbox draining after the restart")
    finally:
        worker.join()

    check = runner.invoke(args=["search-check", "--dry-run"])
    assert check.exit_code == 0, check.output
    assert "in sync" in check.output
    listed = check_index(get_backend(), repair=False).listed
    assert get_backend().count() == listed > 0


# -- b) frozen (SIGSTOP) ----------------------------------------------------------------------


def test_frozen_server_gives_a_503_page_in_time_and_the_worker_does_not_hang(
    meili_app, meili_server
):
    app = meili_app()  # MEILI_TIMEOUT at its default
    assert app.config["MEILI_TIMEOUT"] == 1.5
    assert app.test_cli_runner().invoke(args=["search-setup"]).exit_code == 0
    factory = Factory()
    agencies = [factory.agency(name=f"Frozen Test {i}", commit=False) for i in range(5)]
    db.session.commit()
    client = app.test_client()
    assert client.get("/en/search?q=frozen").status_code == 200

    enqueue([a.id for a in agencies])
    db.session.commit()
    meili_server.freeze()
    try:
        started = time.monotonic()
        response = client.get("/en/search?q=frozen")
        took = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert b"temporarily unavailable" in response.data
        assert took < 2.0, f"the 503 page took {took:.2f} s"

        started = time.monotonic()
        assert drain_all(batch=50) == 0  # nothing applied, nothing raised
        took = time.monotonic() - started
        assert took < 12, f"the drain was stuck for {took:.1f} s"
        assert outbox_size() == len(agencies)
        assert db.session.scalar(select(func.max(SearchOutbox.attempts))) == 1
        assert client.get("/healthz").status_code == 503
    finally:
        meili_server.thaw()

    response = client.get("/en/search?q=frozen")
    assert response.status_code == 200
    assert b"5 agencies found" in response.data
    assert drain_all(batch=50) == len(agencies)
    assert outbox_size() == 0
    assert client.get("/healthz").status_code == 200


# -- c) a rebuild interrupted halfway ---------------------------------------------------------


def _interrupted(documents, after: int, fault):
    """The rebuild's documents, with ``fault()`` called once ``after`` have been read."""
    for n, document in enumerate(documents):
        if n == after:
            fault()
        yield document


@pytest.mark.parametrize("fault", ["loader-raises", "server-killed"])
def test_interrupted_rebuild_keeps_the_live_index_and_the_next_one_succeeds(
    meili_app, meili_server, monkeypatch, fault
):
    app = meili_app()
    assert app.test_cli_runner().invoke(args=["search-setup"]).exit_code == 0
    factory = Factory()
    old = [factory.agency(name=f"Old Agency {i}", commit=False) for i in range(40)]
    db.session.commit()  # one commit, one push
    backend = get_backend()
    assert search_ids(backend) == sorted(a.id for a in old)
    backend.batch_size = 10  # several batches: the fault lands between two of them

    def raise_midway():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(
        "directory.search.rebuild.iter_documents_for_rebuild",
        lambda on=None: _interrupted(
            iter_documents_for_rebuild(on),
            20,
            raise_midway if fault == "loader-raises" else meili_server.kill,
        ),
    )
    with pytest.raises(Exception):  # either fault, whatever it raises
        reindex()
    if fault == "server-killed":
        meili_server.start()
    # The visitors' index is the one from before, untouched; the drain is not left paused.
    assert search_ids(backend) == sorted(a.id for a in old)
    assert not rebuild_running(db.session)
    # Changes made after the failed rebuild reach the live index as usual.
    db.session.delete(old[0])
    new = factory.agency(name="New Agency")
    assert search_ids(backend, "new") == [new.id]

    monkeypatch.undo()
    count, _ = reindex()
    wanted = sorted(a.id for a in [*old[1:], new])
    assert count == len(wanted)
    assert search_ids(backend) == wanted
    assert check_index(backend, repair=False).clean


# -- d) a wrong API key -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["not-the-right-key-0123456789abcdef", ""], ids=["wrong", "none"])
def test_wrong_api_key_is_named_by_search_setup_and_healthz(meili_app, key):
    app = meili_app(MEILI_API_KEY=key)
    result = app.test_cli_runner().invoke(args=["search-setup"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "API key" in result.output and "MEILI_API_KEY" in result.output, result.output
    assert "invalid_api_key" in result.output

    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    search = response.get_json()["checks"]["search"]
    assert search["ok"] is False
    assert "API key" in search["detail"] and "invalid_api_key" in search["detail"]
