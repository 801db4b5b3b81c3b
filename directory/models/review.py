"""Reviews of an agency, with their rating dimensions and how they were checked."""

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


class Review(db.Model):
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
    body: Mapped[str] = mapped_column(Text, default="")

    submitted_on: Mapped[dt.date] = mapped_column(Date)
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
