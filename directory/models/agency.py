"""The agency aggregate: profile, offices, taxonomy tags, certifications, and the listing rule."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, today, utcnow
from ..taxonomy import tier_rank
from ..urls import LogoURL

TAG_KINDS = ("service", "industry", "language", "product", "client_size", "accreditation")


class AgencyTag(db.Model):
    """One taxonomy value held by an agency (a service, industry, language, …), in order."""

    __tablename__ = "agency_tags"

    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    __table_args__ = (Index("ix_agency_tags_kind_value", "kind", "value"),)


def _tags(kind: str) -> property:
    """A list-valued property over the agency's tags of one kind, order preserved."""

    def getter(self: Agency) -> list[str]:
        return [t.value for t in sorted(self.tags, key=lambda t: t.position) if t.kind == kind]

    def setter(self: Agency, values: list[str]) -> None:
        wanted = list(dict.fromkeys(values or ()))
        existing = {t.value: t for t in self.tags if t.kind == kind}
        for value, tag in existing.items():
            if value not in wanted:
                self.tags.remove(tag)
        for position, value in enumerate(wanted):
            tag = existing.get(value)
            if tag is None:
                self.tags.append(AgencyTag(kind=kind, value=value, position=position))
            elif tag.position != position:
                tag.position = position

    return property(getter, setter, doc=f"The agency's {kind} slugs, in order.")


class Agency(db.Model):
    """An agency of the partner program, with its public profile and rating aggregates."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    tagline: Mapped[str | None] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(2048))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    founded: Mapped[int | None] = mapped_column(Integer)
    team_size: Mapped[str | None] = mapped_column(String(10))
    program: Mapped[str] = mapped_column(String(10), default="provider")
    tier: Mapped[str | None] = mapped_column(String(10))
    min_budget_usd: Mapped[int | None] = mapped_column(Integer)
    hourly_rate_low_usd: Mapped[int | None] = mapped_column(Integer)
    hourly_rate_high_usd: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="published", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))

    # Aggregates over approved reviews; recomputed by services.reviews.ratings.refresh_rating.
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_avg: Mapped[float | None] = mapped_column(Float)
    quality_avg: Mapped[float | None] = mapped_column(Float)
    schedule_avg: Mapped[float | None] = mapped_column(Float)
    cost_avg: Mapped[float | None] = mapped_column(Float)
    refer_avg: Mapped[float | None] = mapped_column(Float)
    bayesian_score: Mapped[float] = mapped_column(Float, default=0.0)

    # Fingerprint of the last imported line, so re-importing an unchanged line writes nothing.
    import_hash: Mapped[str | None] = mapped_column(String(64))
    # Logo variants by pixel size ("64", "128", "256") → stored file name (services.uploads).
    logo: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Optimistic locking: a stale edit raises instead of overwriting silently.
    version: Mapped[int] = mapped_column(Integer, default=1)

    offices: Mapped[list[Office]] = relationship(
        back_populates="agency",
        cascade="all, delete-orphan",
        order_by="Office.position",
        lazy="selectin",
    )
    tags: Mapped[list[AgencyTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AgencyTag.position"
    )
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="agency",
        cascade="all, delete-orphan",
        order_by="Certification.expires_on.desc()",
        lazy="selectin",
    )

    services = _tags("service")
    industries = _tags("industry")
    languages = _tags("language")
    products = _tags("product")
    client_sizes = _tags("client_size")
    accreditations = _tags("accreditation")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("program IN ('provider', 'partner')", name="program"),
        CheckConstraint(
            "tier IS NULL OR (program = 'partner' AND tier IN "
            "('gold', 'platinum', 'diamond', 'elite'))",
            name="tier",
        ),
        CheckConstraint("status IN ('draft', 'published', 'suspended')", name="status"),
    )

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.slug!r}>"

    @property
    def headquarters(self) -> Office | None:
        """The headquarters office (the first office when none is marked)."""
        for office in self.offices:
            if office.is_headquarters:
                return office
        return self.offices[0] if self.offices else None

    @property
    def logo_url(self):
        """Logo URL (128 px) as a string, callable for a size: ``logo_url(64)``; "" without one."""
        return LogoURL(self.logo)

    @property
    def tier_rank(self) -> int:
        """Rank used by the ranking policy (Elite 5 … provider 0)."""
        return tier_rank(self.program, self.tier)

    @property
    def is_partner(self) -> bool:
        """Whether the agency is in the solutions partner program."""
        return self.program == "partner"

    @property
    def current_certification(self) -> Certification | None:
        """The verified certification that expires last, if any."""
        verified = [c for c in self.certifications if c.status == "verified"]
        return max(verified, key=lambda c: c.expires_on) if verified else None

    def is_listed(self, on: dt.date | None = None) -> bool:
        """Whether the listing rule holds for this agency today (one query, the shared rule)."""
        stmt = select(exists().where(Agency.id == self.id, listed_filter(on)))
        return bool(db.session.scalar(stmt))


class Office(db.Model):
    """One office of an agency; exactly one is the headquarters."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    is_headquarters: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    agency: Mapped[Agency] = relationship(back_populates="offices")


class Certification(db.Model):
    """An inbound certification submitted for an agency, and its verification."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    certificate_id: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who verified when it was not a person: "import" for certifications arriving by import.
    verified_by_label: Mapped[str | None] = mapped_column(String(40))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    proof_file_id: Mapped[int | None] = mapped_column(Integer)
    # Expiry reminders already sent ("30", "7", "0"), so the daily job sends each once.
    reminders_sent: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="certifications")

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'verified', 'rejected')", name="status"),
        CheckConstraint("expires_on >= issued_on", name="dates"),
        UniqueConstraint("agency_id", "certificate_id"),
    )


def listed_filter(on: dt.date | None = None):
    """THE listing rule, as one SQL criterion on ``Agency``.

    Published, holding a verified inbound certification that expires today or later.
    Every public surface (search documents, profile, sitemap, badge, matching) uses it.
    """
    on = on or today()
    return and_(
        Agency.status == "published",
        exists().where(
            Certification.agency_id == Agency.id,
            Certification.status == "verified",
            Certification.expires_on >= on,
        ),
    )


def listed_agencies(on: dt.date | None = None):
    """A ``select(Agency)`` of the agencies listed on ``on`` (default: today)."""
    return select(Agency).where(listed_filter(on))
