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
    ``revision`` is a version counter (``version_id_col``): SQLAlchemy bumps it on each save and
    checks it in the UPDATE or DELETE, so a save, publish or discard based on a stale read of
    the draft matches no row and raises ``StaleDataError`` instead of overwriting.
    """

    __tablename__ = "agency_drafts"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict] = mapped_column(JSON)
    base: Mapped[dict] = mapped_column(JSON)
    base_version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    agency = relationship("Agency")

    __mapper_args__ = {"version_id_col": revision}
