"""Reviews of an agency, with their rating dimensions and how they were checked.

Also the rows of the collection flow (docs/reviews.md): invitations an agency sends to a
declared client, submissions waiting for their email check, and reports from visitors.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, utcnow

# How a review was checked, shown next to it.
SOURCES = ("imported", "email", "invitation")
REVIEW_STATUSES = ("pending", "approved", "rejected")
SECTIONS = ("background", "challenge", "solution", "results")
REPORT_REASONS = ("fake", "conflict", "offensive", "personal_data", "other")
# The content a reviewer writes; copied from a submission to the review on verification.
CONTENT_FIELDS = (
    "author_name",
    "author_role",
    "author_company",
    "rating",
    "quality",
    "schedule",
    "cost",
    "willing_to_refer",
    "title",
    *SECTIONS,
    "project_date",
    "service",
    "lang",
)


class _Sections:
    @property
    def sections(self) -> list[tuple[str, str]]:
        """The guided sections that were filled in, as (name, text) in reading order."""
        return [(name, getattr(self, name)) for name in SECTIONS if getattr(self, name)]


class Review(_Sections, db.Model):
    """A client's review; only approved reviews count and are shown."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(12), default="email")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)

    author_name: Mapped[str] = mapped_column(String(120))
    author_role: Mapped[str | None] = mapped_column(String(120))
    author_company: Mapped[str | None] = mapped_column(String(120))
    # Lower-cased; NULL for imported reviews. One review per email per agency.
    author_email: Mapped[str | None] = mapped_column(String(254))

    rating: Mapped[int] = mapped_column(Integer)
    quality: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[int | None] = mapped_column(Integer)
    willing_to_refer: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    # The four guided sections of a collected review; ``body`` holds them joined (plain text)
    # so imported reviews, the widget and search read one field. NULL for imported reviews.
    background: Mapped[str | None] = mapped_column(Text)
    challenge: Mapped[str | None] = mapped_column(Text)
    solution: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")

    submitted_on: Mapped[dt.date] = mapped_column(Date)
    # The month the client's project took place (first day of it), shown next to the review's
    # own date (art. D. 111-17 Code de la consommation). NULL for imported reviews.
    project_date: Mapped[dt.date | None] = mapped_column(Date)
    # The agency service the project was about (a taxonomy slug the agency offered when the
    # review was written); NULL for "other / not listed" and for reviews older than the field.
    service: Mapped[str | None] = mapped_column(String(64))
    # Language the reviewer wrote in: their emails (moderation decisions) are sent in it.
    lang: Mapped[str | None] = mapped_column(String(5))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    response: Mapped[str | None] = mapped_column(Text)
    response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    agency = relationship("Agency")
    reports = relationship(
        "ReviewReport", back_populates="review", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("agency_id", "external_id"),
        UniqueConstraint("agency_id", "author_email"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("quality IS NULL OR quality BETWEEN 1 AND 5", name="quality"),
        CheckConstraint("schedule IS NULL OR schedule BETWEEN 1 AND 5", name="schedule"),
        CheckConstraint("cost IS NULL OR cost BETWEEN 1 AND 5", name="cost"),
        CheckConstraint(
            "willing_to_refer IS NULL OR willing_to_refer BETWEEN 0 AND 10", name="refer"
        ),
        CheckConstraint("source IN ('imported', 'email', 'invitation')", name="source"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )


class _RatedContent(_Sections):
    """Columns of what a reviewer writes, shared by submissions (before the email check)."""

    author_name: Mapped[str] = mapped_column(String(120))
    author_role: Mapped[str | None] = mapped_column(String(120))
    author_company: Mapped[str | None] = mapped_column(String(120))
    author_email: Mapped[str] = mapped_column(String(254))
    rating: Mapped[int] = mapped_column(Integer)
    quality: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[int | None] = mapped_column(Integer)
    willing_to_refer: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    background: Mapped[str | None] = mapped_column(Text)
    challenge: Mapped[str | None] = mapped_column(Text)
    solution: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    project_date: Mapped[dt.date | None] = mapped_column(Date)
    service: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(5))


class ReviewSubmission(_RatedContent, db.Model):
    """A review written on the open form, waiting for its author to follow the email link.

    Kept apart from ``reviews`` so the one-review-per-address constraint only ever sees checked
    reviews; verification moves it there (replacing that address's earlier review) and deletes it.
    """

    __tablename__ = "review_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the emailed token: a database leak does not publish anything.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    consented_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    agency = relationship("Agency")


class ReviewInvitation(db.Model):
    """An agency's single-use invitation to a declared client (30 days), by email."""

    __tablename__ = "review_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_name: Mapped[str] = mapped_column(String(120))
    client_company: Mapped[str] = mapped_column(String(120))
    client_email: Mapped[str] = mapped_column(String(254))
    project: Mapped[str] = mapped_column(Text)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))

    agency = relationship("Agency")

    def is_usable(self, now: dt.datetime) -> bool:
        """Not used yet and not expired."""
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite hands back naive datetimes
            expires = expires.replace(tzinfo=dt.UTC)
        return self.used_at is None and expires > now


class ReviewReport(db.Model):
    """A visitor's report that a published review breaks the rules; moderators resolve it."""

    __tablename__ = "review_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    review = relationship("Review", back_populates="reports")

    __table_args__ = (
        CheckConstraint(
            "reason IN ('fake', 'conflict', 'offensive', 'personal_data', 'other')", name="reason"
        ),
    )
