"""One feed of the agencies a transaction touched, for the search outbox and the badge cache.

After each flush the feed collects the agencies whose rows changed (an agency, or one of its
offices, tags, certifications or reviews) and hands them to the flush subscribers while the
flush's transaction is still open (the search outbox writes its rows there, so a commit and
its index change cannot be separated). After the commit it announces everything the
transaction touched to the commit subscribers; a rollback forgets it. A bulk statement on one
of those tables names no agency: it is announced as ``everything``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .models import Agency, AgencyTag, Certification, Office, Review

_IDS = "changes.agency_ids"
_EVERYTHING = "changes.everything"
_CHILDREN = (Office, AgencyTag, Certification, Review)
_WATCHED_TABLES = frozenset(model.__table__.name for model in (Agency, *_CHILDREN))


@dataclass(frozen=True)
class Changes:
    """What a committed transaction touched."""

    agency_ids: frozenset[int]
    everything: bool = False  # a bulk statement touched a watched table: ids are incomplete


FlushSubscriber = Callable[[Session, set[int]], None]
CommitSubscriber = Callable[[Changes], None]
_on_flush: list[FlushSubscriber] = []
_on_commit: list[CommitSubscriber] = []
_installed = False


def subscribe(
    *, on_flush: FlushSubscriber | None = None, on_commit: CommitSubscriber | None = None
) -> None:
    """Call ``on_flush(session, ids)`` after each flush touching agencies, and
    ``on_commit(changes)`` after each commit that touched some (idempotent)."""
    _install()
    if on_flush is not None and on_flush not in _on_flush:
        _on_flush.append(on_flush)
    if on_commit is not None and on_commit not in _on_commit:
        _on_commit.append(on_commit)


def agency_id_of(obj) -> int | None:
    """The agency a mapped object belongs to, or None for anything else."""
    if isinstance(obj, Agency):
        return obj.id
    if isinstance(obj, _CHILDREN):
        return obj.agency_id
    return None


def _after_flush(session: Session, _flush_context) -> None:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        agency_id = agency_id_of(obj)
        if agency_id is not None:
            ids.add(int(agency_id))
    if not ids:
        return
    for subscriber in _on_flush:
        subscriber(session, ids)
    session.info.setdefault(_IDS, set()).update(ids)


def _after_execute(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            state.session.info[_EVERYTHING] = True


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_IDS, None)
    everything = session.info.pop(_EVERYTHING, False)
    if not (ids or everything) or not has_app_context():
        return
    changes = Changes(frozenset(ids or ()), everything)
    for subscriber in _on_commit:
        subscriber(changes)


def _after_rollback(session: Session, _transaction) -> None:
    session.info.pop(_IDS, None)
    session.info.pop(_EVERYTHING, None)


def _install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _after_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True
