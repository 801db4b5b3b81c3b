"""Server-side sessions: start one at sign-in, check it on each request, list and revoke them.

The session and remember-me cookies carry a random token; the database keeps its hash in a
``user_sessions`` row. A session ends when its row is revoked (sign-out, sign-out everywhere,
password change or reset), after ``SESSION_IDLE_MINUTES`` without a request, or
``SESSION_MAX_DAYS`` after sign-in, whichever comes first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, or_, select, update
from ua_parser import parse as parse_user_agent

from ..db import db, utcnow
from ..models import User, UserSession

# Last-seen is written at most this often per session: a page view is then a read, not a write.
TOUCH_EVERY = dt.timedelta(minutes=1)
TOKEN_MAX_LENGTH = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def idle_timeout() -> dt.timedelta:
    """How long a session survives without a request (``SESSION_IDLE_MINUTES``)."""
    return dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def max_lifetime() -> dt.timedelta:
    """How long a session lives after sign-in, however active (``SESSION_MAX_DAYS``)."""
    return dt.timedelta(days=current_app.config["SESSION_MAX_DAYS"])


def describe_user_agent(header: str | None) -> str:
    """ "Firefox · Linux": the browser and system of a User-Agent header, for the sessions list."""
    # Capped before parsing: the parser's regular expressions must not see megabytes.
    result = parse_user_agent((header or "")[:512])
    names = [
        part.family
        for part in (result.user_agent, result.os)
        if part is not None and part.family and part.family != "Other"
    ]
    return " · ".join(names)[:120]


def is_live(record: UserSession, now: dt.datetime | None = None) -> bool:
    """Not revoked, used within the idle timeout, and younger than the maximum lifetime."""
    now = now or utcnow()
    return (
        record.revoked_at is None
        and now - _aware(record.last_seen_at) < idle_timeout()
        and now - _aware(record.created_at) < max_lifetime()
    )


def start_session(user: User, user_agent: str | None, remember: bool = False) -> str:
    """Record a new session for ``user`` and return its token (also set on ``user``)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=now,
            last_seen_at=now,
            user_agent=describe_user_agent(user_agent),
            remember=remember,
        )
    )
    db.session.commit()
    user.session_token = token
    return token


def find_session(token: str | None) -> UserSession | None:
    """The session row a cookie token names, live or not; None for an unknown token."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


def load_session_user(token: str | None) -> User | None:
    """The user of a live session, its last-seen time refreshed; None once the session ended."""
    record = find_session(token)
    now = utcnow()
    if record is None or not is_live(record, now):
        return None
    user = db.session.get(User, record.user_id)
    if user is None:
        return None
    if now - _aware(record.last_seen_at) >= TOUCH_EVERY:
        db.session.execute(
            update(UserSession).where(UserSession.id == record.id).values(last_seen_at=now)
        )
        db.session.commit()
    user.session_token = token
    return user


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not ended, most recently used first."""
    now = utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if is_live(row, now)]


def is_current(record: UserSession, token: str | None) -> bool:
    """Whether ``record`` is the session that ``token`` (the current cookie) names."""
    return bool(token) and record.token_hash == _hash(token)


def revoke_token(token: str | None) -> None:
    """End the session a cookie token names (sign-out)."""
    if token and len(token) <= TOKEN_MAX_LENGTH:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        db.session.commit()


def revoke_session(user: User, session_id: int) -> bool:
    """End one of the user's own sessions; False when there is no such live session."""
    done = db.session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    db.session.commit()
    return done == 1


def revoke_all(user: User) -> int:
    """End every session of the user (caller commits); returns how many were live."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


def purge_ended_sessions() -> int:
    """Delete the rows of sessions that ended (a daily job); returns how many."""
    now = utcnow()
    deleted = db.session.execute(
        delete(UserSession).where(
            or_(
                UserSession.revoked_at.is_not(None),
                UserSession.last_seen_at < now - idle_timeout(),
                UserSession.created_at < now - max_lifetime(),
            )
        )
    ).rowcount
    db.session.commit()
    return deleted
