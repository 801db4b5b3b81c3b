"""Case studies: an agency's portfolio, published from its profile draft like every other field.

In a draft a case study is a plain dict (``payload_of`` / ``CASE_STUDY_KEYS``); ``key`` is a
stable random id, so a draft's entries and the published rows match one to one whatever their
order, and an edit names the entry it changes.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..db import db, utcnow

MAX_CASE_STUDIES = 12  # per agency: a portfolio, not an archive
MAX_FIGURES = 4  # key figures per case study ("+38 %", "organic leads")
MAX_SERVICES = 5
CASE_STUDY_KEYS = (
    "key",
    "title",
    "client_or_sector",
    "services",
    "challenge",
    "results",
    "figures",
    "image",
    "image_alt",
)


class CaseStudy(db.Model):
    """One published case study: title, client or sector, services, challenge, results, image."""

    __tablename__ = "case_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(120))
    client_or_sector: Mapped[str | None] = mapped_column(String(120))
    # Taxonomy service slugs, in the agency's order (checked against directory/taxonomy).
    services: Mapped[list] = mapped_column(JSON, default=list)
    challenge: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    # Up to MAX_FIGURES {"value": "+38 %", "label": "organic leads"}, shown emphasised.
    figures: Mapped[list] = mapped_column(JSON, default=list)
    # {"name": stored file name, "width": px, "height": px} (services.case_studies), or None.
    image: Mapped[dict | None] = mapped_column(JSON)
    image_alt: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    # A backref keeps the agency module untouched; loaded only where a page shows them.
    agency = relationship(
        "Agency",
        backref=backref(
            "case_studies",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="CaseStudy.position",
        ),
    )

    __table_args__ = (UniqueConstraint("agency_id", "key"),)

    def payload(self) -> dict[str, Any]:
        """This case study as a draft entry (plain JSON values)."""
        return {
            "key": self.key,
            "title": self.title,
            "client_or_sector": self.client_or_sector,
            "services": list(self.services or []),
            "challenge": self.challenge,
            "results": self.results,
            "figures": [dict(f) for f in self.figures or []],
            "image": dict(self.image) if self.image else None,
            "image_alt": self.image_alt,
        }

    def fill(self, entry: dict[str, Any], position: int) -> None:
        """Copy a draft entry's values onto this row."""
        for name in CASE_STUDY_KEYS:
            if name != "key":
                setattr(self, name, entry.get(name))
        self.services = list(entry.get("services") or [])
        self.figures = list(entry.get("figures") or [])
        self.position = position


def new_key() -> str:
    """A stable random id for a new entry (the unique constraint backs it up)."""
    return secrets.token_hex(6)


def payload_of(agency) -> list[dict[str, Any]]:
    """The agency's published case studies as draft entries, in order."""
    return [study.payload() for study in agency.case_studies]


def apply_entries(agency, entries: list[dict[str, Any]] | None) -> None:
    """Make the published case studies match the entries (matched by key, in their order)."""
    wanted = list(entries or [])
    existing = {study.key: study for study in agency.case_studies}
    keys = {entry["key"] for entry in wanted}
    for key, study in existing.items():
        if key not in keys:
            agency.case_studies.remove(study)
    for position, entry in enumerate(wanted):
        study = existing.get(entry["key"])
        if study is None:
            study = CaseStudy(key=entry["key"])
            agency.case_studies.append(study)
        study.fill(entry, position)
    agency.case_studies.sort(key=lambda s: s.position)


def transient_entries(entries: list[dict[str, Any]] | None) -> list[CaseStudy]:
    """Never-persisted rows showing draft entries (the preview)."""
    studies = []
    for position, entry in enumerate(entries or []):
        study = CaseStudy(key=entry["key"])
        study.fill(entry, position)
        studies.append(study)
    return studies
