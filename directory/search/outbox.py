"""Keeping the index in step with the database: the outbox, the push, the drain.

Subscribed to the change feed (``directory.changes``): every flush that touches an agency (or
its offices, tags, certifications, reviews) inserts a ``SearchOutbox`` row in the same
transaction, so a commit and its index change can never be separated by a crash. After the
commit the changed agencies are pushed at once (best effort, never raising into the request);
whatever could not be pushed stays in the outbox, which ``drain_outbox`` (``flask
search-sync``) applies in id order. A rebuild (``rebuild.reindex``) pauses the drain and
replays what queued meanwhile once the new index is live.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Iterable, Iterator

from flask import Flask
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from .. import changes
from ..db import db, utcnow
from ..models import SearchOutbox
from ..models.outbox import SearchState
from . import get_backend
from .base import SearchBackend
from .documents import build_documents

log = logging.getLogger(__name__)

REINDEX_KEY = "reindex_started"
REINDEX_STALE = dt.timedelta(hours=3)  # a rebuild flag older than this is from a dead process


# -- the outbox, written in the same transaction -------------------------------------------


def register_outbox(app: Flask) -> None:
    """Write outbox rows on flush and push them after commit (global hooks, installed once)."""
    changes.subscribe(on_flush=_write_rows, on_commit=_push_committed)


def _write_rows(session: Session, ids: set[int]) -> None:
    """Insert one outbox row per agency touched by this flush, on the flush's connection."""
    session.connection().execute(
        insert(SearchOutbox), [{"agency_id": i, "reason": "change"} for i in sorted(ids)]
    )


def _push_committed(committed: changes.Changes) -> None:
    # A bulk statement (``everything``) names no agency: its service queues them itself.
    if committed.agency_ids:
        push_agencies(committed.agency_ids)


def push_agencies(ids: Iterable[int], backend: SearchBackend | None = None) -> bool:
    """Push these agencies' documents now and clear their outbox rows; False on failure.

    Best effort, called after a commit: never raises. Rows stay in the outbox on failure,
    and while a rebuild runs (it replays them once the new index is live).
    """
    ids = sorted({int(i) for i in ids})
    try:
        backend = backend or get_backend()
        with Session(db.engine) as session:
            top = session.scalar(
                select(func.max(SearchOutbox.id)).where(SearchOutbox.agency_id.in_(ids))
            )
            docs, missing = build_documents(ids, session=session)
            if docs:
                backend.upsert(docs)
            if missing:
                backend.delete(missing)
            if top is not None and not rebuild_running(session):
                session.execute(
                    delete(SearchOutbox).where(
                        SearchOutbox.agency_id.in_(ids), SearchOutbox.id <= top
                    )
                )
                session.commit()
    except Exception:  # the outbox keeps the change; search-sync retries it
        log.warning("search push failed for agencies %s; left in the outbox", ids, exc_info=True)
        return False
    return True


def enqueue(ids: Iterable[int], reason: str = "change", session=None) -> int:
    """Queue agencies for re-indexing (commit is the caller's)."""
    session = session or db.session
    rows = [{"agency_id": int(i), "reason": reason} for i in sorted(set(ids))]
    if rows:
        session.execute(insert(SearchOutbox), rows)
    return len(rows)


# -- draining ----------------------------------------------------------------------------------


def drain_outbox(
    batch: int = 500, backend: SearchBackend | None = None, on: dt.date | None = None
) -> int:
    """Apply up to ``batch`` outbox rows in id order; returns how many were applied.

    On failure the rows stay, with ``attempts`` incremented and ``last_error`` set, and 0 is
    returned. Paused (returns 0) while a rebuild is running.
    """
    backend = backend or get_backend()
    if rebuild_running(db.session):
        return 0
    rows = db.session.execute(
        select(SearchOutbox.id, SearchOutbox.agency_id).order_by(SearchOutbox.id).limit(batch)
    ).all()
    db.session.rollback()  # read the agencies in a fresh snapshot, after the rows
    if not rows:
        return 0
    row_ids = [r.id for r in rows]
    agency_ids = list(dict.fromkeys(r.agency_id for r in rows))
    try:
        docs, missing = build_documents(agency_ids, on)
        if docs:
            backend.upsert(docs)
        if missing:
            backend.delete(missing)
    except Exception as exc:
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"[:500]
        db.session.execute(
            update(SearchOutbox)
            .where(SearchOutbox.id.in_(row_ids))
            .values(attempts=SearchOutbox.attempts + 1, last_error=error)
        )
        db.session.commit()
        log.warning("search sync failed on %d rows: %s", len(row_ids), exc)
        return 0
    db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(row_ids)))
    db.session.commit()
    return len(row_ids)


def drain_all(batch: int = 500, backend: SearchBackend | None = None, on=None) -> int:
    """Drain until the outbox is empty or a batch fails; returns rows applied."""
    total = 0
    while applied := drain_outbox(batch, backend, on):
        total += applied
    return total


# -- the rebuild flag: the drain pauses while a rebuild runs --------------------------------


def rebuild_running(session) -> bool:
    """Whether a rebuild started less than ``REINDEX_STALE`` ago is still marked as running."""
    row = session.execute(
        select(SearchState.value).where(SearchState.key == REINDEX_KEY)
    ).scalar_one_or_none()
    if row is None:
        return False
    started = dt.datetime.fromisoformat(row.split("|")[0])
    return utcnow() - started < REINDEX_STALE


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Mark a rebuild as running (pushes keep their rows, the drain waits) until the end."""
    _set_state(REINDEX_KEY, f"{utcnow().isoformat()}|{os.getpid()}")
    try:
        yield
    finally:
        db.session.rollback()
        db.session.execute(delete(SearchState).where(SearchState.key == REINDEX_KEY))
        db.session.commit()


def _set_state(key: str, value: str) -> None:
    row = db.session.get(SearchState, key)
    if row is None:
        db.session.add(SearchState(key=key, value=value))
    else:
        row.value = value
    db.session.commit()
