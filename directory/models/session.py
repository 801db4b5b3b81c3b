"""Sign-in state: revocable sessions, and the failure counters behind sign-in backoff."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, utcnow


class UserSession(db.Model):
    """One signed-in browser: the cookie names it by a secret token, the server can end it.

    Only a hash of the token is stored, so a database leak does not hand out sessions; the
    remember-me cookie carries the same token, so revoking the row ends both cookies.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "Firefox on Linux": enough for the owner to recognise a device, no raw header kept.
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    remember: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User")


class LoginThrottle(db.Model):
    """Consecutive failed sign-ins for one scope (a client address, or an account from one).

    ``key`` is an HMAC of the scope, so neither addresses nor emails are stored here.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
