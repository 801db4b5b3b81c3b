"""Writes that can lose a race with another request: replay the idempotent ones, report the rest.

The database decides who wins. The agency's ``version`` and the draft's ``revision`` are
SQLAlchemy version counters: every UPDATE or DELETE of those rows says ``WHERE version =
<the value read>`` (compare-and-swap), so a write based on a stale read matches no row and
raises ``StaleDataError`` instead of overwriting. PostgreSQL may also end a transaction with a
deadlock or serialization failure, and SQLite may give up waiting for its write lock. The
loser rolls back (which expires every row it loaded); an action that sets absolute values
("tier = gold") is then replayed on fresh rows, and when replays keep losing, or the action
cannot be replayed blindly, ``WriteConflict`` reaches the views, which answer 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from ..db import db

T = TypeVar("T")

ATTEMPTS = 4
# SQLSTATEs of a transaction PostgreSQL ended because of another one: safe to run again.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class WriteConflict(Exception):
    """Another request changed the same rows at the same moment; nothing of this one was saved."""


def lost_race(error: BaseException) -> bool:
    """Whether ``error`` means a concurrent transaction won (not a bug, not bad input)."""
    if isinstance(error, StaleDataError):
        return True
    if isinstance(error, DBAPIError):
        orig = error.orig
        if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        return "database is locked" in str(orig)  # SQLite: the busy timeout ran out
    return False


def commit_retrying(apply: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``apply()`` and commit; replay it on fresh rows when a concurrent write wins.

    ``apply`` must read what it needs from the session each time (the rollback between
    attempts expires everything) and set values that do not depend on a stale read.
    """
    for _attempt in range(attempts):
        try:
            result = apply()
            db.session.commit()
        except (StaleDataError, DBAPIError) as error:
            db.session.rollback()
            if not lost_race(error):
                raise
            continue
        return result
    raise WriteConflict()


def commit_or_conflict() -> None:
    """Commit a change decided from what the user saw; ``WriteConflict`` if another write won."""
    try:
        db.session.commit()
    except (StaleDataError, DBAPIError) as error:
        db.session.rollback()
        if not lost_race(error):
            raise
        raise WriteConflict() from None
