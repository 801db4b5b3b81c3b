"""Keeping the index in step with the database: the backend registry, the outbox, the drain.

Every flush that touches an agency (or its offices, tags, certifications, reviews) inserts a
``SearchOutbox`` row in the same transaction, so a commit and its index change can never be
separated by a crash. After the commit the changed agencies are pushed at once (best effort,
never raising into the request); whatever could not be pushed stays in the outbox, which
``drain_outbox`` (``flask search-sync``) applies in id order. A rebuild pauses the drain and
replays what queued meanwhile once the new index is live.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from ..db import db, today, utcnow
from ..models import Agency, AgencyTag, Certification, Office, Review, SearchOutbox
from ..models.outbox import SearchState
from .base import SearchBackend
from .documents import build_documents, iter_documents_for_rebuild

log = logging.getLogger(__name__)

REINDEX_KEY = "reindex_started"
EXPIRY_KEY = "expiry_last_run"
REINDEX_STALE = dt.timedelta(hours=3)  # a rebuild flag older than this is from a dead process
_PENDING = "search_outbox_ids"


# -- the registry ------------------------------------------------------------------------------


def _create_backend(app: Flask) -> SearchBackend:
    if app.config.get("SEARCH_BACKEND") == "meilisearch":
        # Imported only when configured, so the embedded path never depends on it.
        from .meili import MeilisearchBackend

        return MeilisearchBackend.from_config(app.config)
    from .embedded import EmbeddedBackend

    return EmbeddedBackend(app.config["SEARCH_INDEX_PATH"])


def get_backend(app: Flask | None = None) -> SearchBackend:
    """The app's search backend (one instance per app and process)."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("search_backend")
    if backend is None:
        backend = app.extensions["search_backend"] = _create_backend(app)
    return backend


def register_search(app: Flask) -> None:
    """Add the /healthz check for the search backend (the outbox hooks are global)."""

    def check() -> tuple[bool, str]:
        try:
            return get_backend(app).health()
        except Exception as exc:  # a broken backend is "down", never a 500 on /healthz
            return False, type(exc).__name__

    app.extensions.setdefault("health_checks", {})["search"] = check
    _install_session_hooks()
    if _preload_wanted(app):
        preload = getattr(get_backend(app), "preload", None)
        if preload is not None:
            preload(background=True)


def _preload_wanted(app: Flask) -> bool:
    """Load the embedded index at start (``SEARCH_PRELOAD``, default on).

    Off under tests and in ``flask`` commands (``reindex`` would load the index it replaces).
    """
    setting = app.config.get("SEARCH_PRELOAD", os.environ.get("SEARCH_PRELOAD", "1"))
    if app.testing or os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return False
    return str(setting).lower() not in {"0", "false", "no", "off"}


# -- the outbox, written in the same transaction -------------------------------------------


def _agency_id(obj) -> int | None:
    if isinstance(obj, Agency):
        return obj.id
    if isinstance(obj, Office | AgencyTag | Certification | Review):
        return obj.agency_id
    return None


def _after_flush(session: Session, _flush_context) -> None:
    """Insert one outbox row per agency touched by this flush, on the flush's connection."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        agency_id = _agency_id(obj)
        if agency_id is not None:
            ids.add(int(agency_id))
    if not ids:
        return
    session.connection().execute(
        insert(SearchOutbox), [{"agency_id": i, "reason": "change"} for i in sorted(ids)]
    )
    session.info.setdefault(_PENDING, set()).update(ids)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids and has_app_context():
        push_agencies(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


_hooks_installed = False


def _install_session_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    _hooks_installed = True


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
            if top is not None and not _reindex_running(session):
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
    if _reindex_running(db.session):
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


# -- state: rebuild flag, expiry date ----------------------------------------------------------


def _get_state(session, key: str) -> SearchState | None:
    return session.get(SearchState, key)


def _set_state(key: str, value: str) -> None:
    row = db.session.get(SearchState, key)
    if row is None:
        db.session.add(SearchState(key=key, value=value))
    else:
        row.value = value
    db.session.commit()


def _clear_state(key: str) -> None:
    db.session.execute(delete(SearchState).where(SearchState.key == key))
    db.session.commit()


def _reindex_running(session) -> bool:
    row = session.execute(
        select(SearchState.value).where(SearchState.key == REINDEX_KEY)
    ).scalar_one_or_none()
    if row is None:
        return False
    started = dt.datetime.fromisoformat(row.split("|")[0])
    return utcnow() - started < REINDEX_STALE


def reindex(backend: SearchBackend | None = None, on: dt.date | None = None) -> tuple[int, int]:
    """Rebuild the index from the database without downtime, then replay the outbox.

    Returns (documents indexed, outbox rows replayed). Searches answer from the old index
    until the new one is complete; changes made meanwhile wait in the outbox.
    """
    backend = backend or get_backend()
    _set_state(REINDEX_KEY, f"{utcnow().isoformat()}|{os.getpid()}")
    try:
        count = backend.rebuild(iter_documents_for_rebuild(on))
    finally:
        db.session.rollback()
        _clear_state(REINDEX_KEY)
    return count, drain_all(backend=backend, on=on)


def expire_certifications(on: dt.date | None = None) -> int:
    """Queue agencies whose certification expired (or was verified) since the last run.

    An agency stops being listed the day after its certification's ``expires_on``; this
    finds the expiries that took effect since the previous run, and certifications
    verified since then (renewals), and queues those agencies. Same day twice: no-op.
    """
    on = on or today()
    state = _get_state(db.session, EXPIRY_KEY)
    last = dt.date.fromisoformat(state.value) if state else on - dt.timedelta(days=400)
    if last >= on:
        return 0
    since = dt.datetime.combine(last, dt.time.min, tzinfo=dt.UTC)
    expired = select(Certification.agency_id).where(
        Certification.status == "verified",
        Certification.expires_on >= last - dt.timedelta(days=1),
        Certification.expires_on < on,
    )
    renewed = select(Certification.agency_id).where(
        Certification.status == "verified", Certification.verified_at >= since
    )
    ids = set(db.session.scalars(expired)) | set(db.session.scalars(renewed))
    queued = enqueue(ids, reason="expiry")
    _set_state(EXPIRY_KEY, on.isoformat())  # commits the queued rows too
    return queued
