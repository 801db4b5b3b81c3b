"""Profile drafts: edits waiting to be previewed and published onto the agency."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, utcnow


class AgencyDraft(db.Model):
    """One pending draft per agency, shared by its team.

    ``base`` is the published profile the draft started from (``base_version`` is the agency's
    version then): publishing compares it with the agency now, so nobody overwrites silently.
    ``revision`` increases on each save, to detect two people saving the same draft.
    """

    __tablename__ = "agency_drafts"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict] = mapped_column(JSON)
    base: Mapped[dict] = mapped_column(JSON)
    base_version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    agency = relationship("Agency")
