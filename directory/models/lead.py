"""Leads: a prospect's request sent to one agency, and members' notification preferences."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, utcnow

LEAD_SOURCES = ("contact", "match")
LEAD_STATUSES = ("new", "replied", "archived")
TIMELINES = ("asap", "1-3-months", "3-6-months", "exploring")
# Bumped whenever the consent sentence shown under the forms changes; stored on each lead.
CONSENT_VERSION = "2026-11-v1"
# What a prospect tells about themselves and the project (copied from the forms, exported).
PROSPECT_FIELDS = (
    "name",
    "email",
    "company",
    "company_size",
    "country",
    "services",
    "budget_band",
    "timeline",
    "message",
)


class Lead(db.Model):
    """One prospect's request to one agency (a match brief sent to three agencies is three leads).

    Prospect fields are copied onto each lead: the agency owns what it received, and erasing a
    prospect is one ``DELETE … WHERE email = ?``.
    """

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10), default="contact")
    status: Mapped[str] = mapped_column(String(10), default="new")
    # Flagged by an administrator: hidden from the agency's inbox, exports and counts.
    is_spam: Mapped[bool] = mapped_column(default=False)
    flagged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    name: Mapped[str] = mapped_column(String(120))
    # Lower-cased, so export and erasure by email are exact matches.
    email: Mapped[str] = mapped_column(String(254), index=True)
    company: Mapped[str] = mapped_column(String(120), default="")
    company_size: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_band: Mapped[str | None] = mapped_column(String(20))
    timeline: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    # The interface language the prospect wrote in ("en", "fr").
    locale: Mapped[str] = mapped_column(String(5), default="en")

    consent_version: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    # Match leads: the brief's other criteria, and why this agency was proposed, as codes with
    # parameters (localized when shown, so a French member reads French reasons).
    criteria: Mapped[dict | None] = mapped_column(JSON)
    match_reasons: Mapped[list[dict] | None] = mapped_column(JSON)
    # Leads created by one submission share it (one match brief → several agencies).
    batch: Mapped[str | None] = mapped_column(String(32))

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    agency = relationship("Agency")

    __table_args__ = (
        CheckConstraint("source IN ('contact', 'match')", name="source"),
        CheckConstraint("status IN ('new', 'replied', 'archived')", name="status"),
        Index("ix_leads_agency_status_created", "agency_id", "status", "created_at"),
        Index("ix_leads_created_at", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<Lead {self.id} agency={self.agency_id} {self.source}/{self.status}>"


class LeadPreference(db.Model):
    """A member's lead notification choice for one agency (no row: the default, email on)."""

    __tablename__ = "lead_preferences"

    user_id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(primary_key=True)
    email_on_new: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    # Tied to the membership: leaving an agency drops the preference with it.
    __table_args__ = (
        ForeignKeyConstraint(
            ["user_id", "agency_id"],
            ["memberships.user_id", "memberships.agency_id"],
            ondelete="CASCADE",
        ),
    )
