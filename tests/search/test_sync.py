"""Index sync: the outbox is written with the change, survives a failing engine, replays in
order; rebuilds keep answering; expired certifications leave the index the next day."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import func, select

from directory.db import db, today
from directory.models import Certification, Office, SearchOutbox
from directory.search import documents as documents_module
from directory.search.base import SearchQuery, SearchUnavailable
from directory.search.embedded import EmbeddedBackend
from directory.search.outbox import drain_all, drain_outbox, enqueue
from directory.search.rebuild import reindex
from directory.services import certifications


class Recording(EmbeddedBackend):
    """An embedded backend that records writes and can be switched to failing."""

    def __init__(self, path):
        super().__init__(path)
        self.calls: list[tuple[str, list[int]]] = []
        self.failing = False

    def upsert(self, documents):
        if self.failing:
            raise SearchUnavailable("engine down")
        self.calls.append(("upsert", [d["id"] for d in documents]))
        super().upsert(documents)

    def delete(self, ids):
        if self.failing:
            raise SearchUnavailable("engine down")
        self.calls.append(("delete", list(ids)))
        super().delete(ids)


@pytest.fixture
def engine(app, tmp_path):
    """The app's backend, replaced by a recording one."""
    backend = Recording(tmp_path / "sync-index")
    backend.apply_settings()
    app.extensions["search_backend"] = backend
    return backend


def outbox() -> list[tuple[int, str]]:
    rows = db.session.execute(select(SearchOutbox.agency_id, SearchOutbox.reason)).all()
    return [tuple(r) for r in rows]


def found(backend, text: str = "") -> list[int]:
    return [hit.id for hit in backend.search(SearchQuery(text=text, per_page=100)).hits]


def test_outbox_row_is_part_of_the_transaction(engine, factory):
    agency = factory.agency(name="Rolled Back", commit=False)
    db.session.flush()
    assert (agency.id, "change") in outbox()
    db.session.rollback()
    assert outbox() == []
    assert engine.calls == []


def test_commit_pushes_and_clears_the_outbox(engine, factory):
    agency = factory.agency(name="Pushed Heron")
    assert found(engine, "heron") == [agency.id]
    assert outbox() == []
    agency.offices.append(Office(country="FR", city="Lyon", position=1))
    db.session.commit()
    assert found(engine, "lyon") == [agency.id]


def test_failing_engine_leaves_rows_that_replay_in_order(engine, factory):
    engine.failing = True
    first = factory.agency(name="First Ibis")  # the commit succeeds; the push does not
    second = factory.agency(name="Second Ibis")
    first.name = "First Ibis Renamed"
    db.session.commit()
    assert [agency_id for agency_id, _ in outbox()] == [first.id, second.id, first.id]
    assert drain_outbox() == 0  # still down: rows kept, attempts counted
    rows = db.session.scalars(select(SearchOutbox).order_by(SearchOutbox.id)).all()
    assert all(r.attempts == 1 and "engine down" in r.last_error for r in rows)

    engine.failing = False
    assert drain_outbox(batch=1) == 1
    assert drain_outbox(batch=1) == 1
    assert drain_outbox(batch=1) == 1
    assert engine.calls == [
        ("upsert", [first.id]),
        ("upsert", [second.id]),
        ("upsert", [first.id]),
    ]
    assert outbox() == []
    assert sorted(found(engine, "ibis")) == sorted([first.id, second.id])
    assert found(engine, "renamed") == [first.id]


def test_unlisting_deletes_the_document(engine, factory):
    agency = factory.agency(name="Suspended Kestrel")
    assert found(engine, "kestrel") == [agency.id]
    agency.status = "suspended"
    db.session.commit()
    assert found(engine, "kestrel") == []
    assert engine.calls[-1] == ("delete", [agency.id])


def test_deleted_agency_leaves_the_index(engine, factory):
    agency = factory.agency(name="Deleted Osprey")
    agency_id = agency.id
    db.session.delete(agency)
    db.session.commit()
    assert found(engine, "osprey") == []
    assert engine.count() == 0
    assert agency_id not in engine.stamps()


def test_reindex_keeps_answering_while_it_rebuilds(engine, factory):
    for _ in range(60):
        factory.agency(commit=False)
    db.session.commit()
    engine.rebuild([])  # an empty live index ...
    reindex(engine)  # ... rebuilt from the database
    assert engine.count() == 60

    totals: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    reader = EmbeddedBackend(engine.dir)  # another "process" reading the same files

    def searching():
        while not stop.is_set():
            try:
                totals.append(reader.search(SearchQuery(text="seo")).total)
            except BaseException as exc:
                errors.append(exc)

    thread = threading.Thread(target=searching)
    thread.start()
    try:
        for _ in range(3):
            count, _ = reindex(engine)
            assert count == 60
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert totals and set(totals) == {60}


def test_writes_during_a_rebuild_are_not_lost(engine, factory):
    agency = factory.agency(name="Early Wren")

    def documents():
        yield from documents_module.iter_documents()
        late = factory.agency(name="Late Wren")  # committed while the rebuild runs
        documents.late_id = late.id

    engine.rebuild(documents())  # the late write lands in the old file and is carried over
    drain_all(backend=engine)
    assert sorted(found(engine, "wren")) == sorted([agency.id, documents.late_id])


def test_expiry_removes_the_next_day_and_renewal_readds(engine, factory, monkeypatch):
    day = today()
    agency = factory.agency(name="Expiring Plover", certified_until=day)
    certifications.expire_certifications(day)  # first run: whatever was due
    drain_all()
    assert found(engine, "plover") == [agency.id]
    assert certifications.expire_certifications(day) == 0  # same day again: nothing

    tomorrow = day + dt.timedelta(days=1)
    monkeypatch.setattr(documents_module, "today", lambda: tomorrow)
    monkeypatch.setattr(certifications, "today", lambda: tomorrow)
    assert certifications.expire_certifications(tomorrow) == 1
    assert drain_all() == 1
    assert found(engine, "plover") == []
    assert certifications.expire_certifications(tomorrow) == 0  # idempotent

    agency.certifications.append(
        Certification(
            certificate_id="RENEWED",
            issued_on=tomorrow,
            expires_on=tomorrow + dt.timedelta(days=365),
            status="verified",
            verified_by_label="import",
        )
    )
    db.session.commit()  # the commit's push re-adds it
    assert found(engine, "plover") == [agency.id]


def test_commands(engine, factory, runner):
    agency = factory.agency(name="Command Curlew")
    engine.rebuild([])
    assert runner.invoke(args=["search-setup"]).exit_code == 0
    result = runner.invoke(args=["reindex", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 agencies" in result.output
    assert found(engine, "curlew") == [agency.id]
    result = runner.invoke(args=["reindex", "--if-empty"])
    assert "not rebuilt" in result.output
    enqueue([agency.id])
    db.session.commit()
    result = runner.invoke(args=["search-sync"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    result = runner.invoke(args=["expire-certifications", "--date", today().isoformat()])
    assert result.exit_code == 0, result.output


def test_health_check_reports_the_backend(engine, client, factory):
    factory.agency()
    body = client.get("/healthz").get_json()
    assert body["checks"]["search"]["ok"] is True
    assert "1 documents" in body["checks"]["search"]["detail"]


def test_big_rebuilds_read_documents_in_a_child_process(engine, factory, monkeypatch):
    agencies = [factory.agency(commit=False) for _ in range(30)]
    factory.agency(name="Never Listed", listed=False)
    db.session.commit()
    monkeypatch.setattr(documents_module, "PARALLEL_FROM", 10)
    docs = list(documents_module.iter_documents_for_rebuild())
    assert [doc["id"] for doc in docs] == sorted(a.id for a in agencies)
    assert docs == list(documents_module.iter_documents())  # the same documents as in-process
    assert all(json.loads(doc.json) == doc for doc in docs)  # each carries its own JSON
    count, _ = reindex(engine)
    assert count == 30
