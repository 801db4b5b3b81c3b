"""Accounts: people who sign in (agency members and program administrators), and invitations."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, utcnow

ROLES = ("owner", "manager")


class User(UserMixin, db.Model):
    """A person with an account; ``is_admin`` marks program administrators."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(120))
    is_admin: Mapped[bool] = mapped_column(default=False)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped on every password change: part of the fingerprint that makes mailed tokens single-use.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Email preferences (views/digest.py): the monthly digest (opt-out), the language of mails
    # (None: the site's default), and the last month whose digest was sent (the re-run guard).
    monthly_digest: Mapped[bool] = mapped_column(default=True, server_default=true())
    locale: Mapped[str | None] = mapped_column(String(5))
    digest_sent_month: Mapped[str | None] = mapped_column(String(7))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The secret token of the session this object was loaded for (set at sign-in and by the
    # user loader). Flask-Login puts get_id() in the session and remember-me cookies, so both
    # name a server-side session that can be revoked, never the account itself.
    session_token = None

    def get_id(self) -> str:
        """Flask-Login id: the token of the current server-side session."""
        if not self.session_token:
            raise RuntimeError("sign in through services.sessions.start_session")
        return self.session_token

    @property
    def is_verified(self) -> bool:
        """Whether the email address was confirmed."""
        return self.email_verified_at is not None

    def role_in(self, agency_id: int) -> str | None:
        """The user's role in an agency, or None."""
        for membership in self.memberships:
            if membership.agency_id == agency_id:
                return membership.role
        return None


class Membership(db.Model):
    """A user's role in an agency: ``owner`` or ``manager``."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10), default="manager")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    agency = relationship("Agency")

    __table_args__ = (
        CheckConstraint("role IN ('owner', 'manager')", name="role"),
        # One owner per agency, whatever races between claims and transfers.
        Index(
            "uq_memberships_owner",
            "agency_id",
            unique=True,
            sqlite_where=text("role = 'owner'"),
            postgresql_where=text("role = 'owner'"),
        ),
    )


class Invitation(db.Model):
    """A single-use, expiring invitation: join a team, or approve a claim on an agency.

    ``kind`` is ``member`` (the invitee signs in with ``email`` and joins with ``role``) or
    ``claim`` (sent to the agency's address on file; following it makes ``requested_by`` owner).
    Only a hash of the token is stored, so a database leak does not hand out invitations.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="member")
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10), default="manager")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    agency = relationship("Agency")
    requested_by = relationship(User, foreign_keys=[requested_by_id])

    __table_args__ = (
        CheckConstraint("kind IN ('member', 'claim')", name="kind"),
        CheckConstraint("role IN ('owner', 'manager')", name="role"),
    )

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        """Not used yet and not expired."""
        now = now or utcnow()
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite hands back naive datetimes
            expires = expires.replace(tzinfo=dt.UTC)
        return self.used_at is None and expires > now
