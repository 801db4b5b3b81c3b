"""Accounts: people who sign in (agency members and program administrators)."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, utcnow


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
    # Bumped on password change and logout-everywhere; part of the session so old ones die.
    session_version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        """Flask-Login id: user id and session version, so a bump ends every session."""
        return f"{self.id}:{self.session_version}"

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

    __table_args__ = (CheckConstraint("role IN ('owner', 'manager')", name="role"),)
