"""Stored files (logos, certification proofs), kept in the database so every web node sees them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..db import db, utcnow

PURPOSES = ("logo", "proof", "image")


class StoredFile(db.Model):
    """Bytes the server produced or checked, under a server-made id; never a user's file name."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(60))
    # "logo" and "image" (case studies) files are public (content-hashed URLs); "proof" files
    # only for members and admins.
    purpose: Mapped[str] = mapped_column(String(10), default="logo")
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("purpose IN ('logo', 'proof', 'image')", name="purpose"),)

    @property
    def extension(self) -> str:
        """File name extension matching the content type."""
        return {
            "image/webp": "webp",
            "image/png": "png",
            "image/jpeg": "jpg",
            "application/pdf": "pdf",
        }.get(self.content_type, "bin")
