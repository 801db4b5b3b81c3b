"""The read side of leads: inbox pages, monthly counts, volume per agency, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ...db import db, utcnow
from ...models import Agency, Lead
from ...models.lead import LEAD_STATUSES, PROSPECT_FIELDS
from .privacy import months_ago

INBOX_PAGE_SIZE = 50
VOLUME_SORTS = ("name", "recent", "total", "spam")


def agency_lead(agency: Agency, lead_id: int, *, include_spam: bool = False) -> Lead | None:
    """The agency's lead ``lead_id``; spam-flagged leads only when asked (administrators)."""
    stmt = select(Lead).where(Lead.id == lead_id, Lead.agency_id == agency.id)
    if not include_spam:
        stmt = stmt.where(Lead.is_spam.is_(False))
    return db.session.scalar(stmt)


def _inbox(agency: Agency):
    return select(Lead).where(Lead.agency_id == agency.id, Lead.is_spam.is_(False))


def inbox_page(agency: Agency, status: str, page: int = 1) -> list[Lead]:
    """One page of the agency's leads in a tab, newest first."""
    stmt = (
        _inbox(agency)
        .where(Lead.status == status)
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(INBOX_PAGE_SIZE)
        .offset((max(page, 1) - 1) * INBOX_PAGE_SIZE)
    )
    return list(db.session.scalars(stmt))


def inbox_counts(agency: Agency) -> dict[str, int]:
    """Number of leads in each tab."""
    rows = db.session.execute(
        select(Lead.status, func.count())
        .where(Lead.agency_id == agency.id, Lead.is_spam.is_(False))
        .group_by(Lead.status)
    )
    counts = dict.fromkeys(LEAD_STATUSES, 0)
    counts.update({status: n for status, n in rows})
    return counts


def monthly_counts(
    agency: Agency, months: int = 12, now: dt.datetime | None = None
) -> list[tuple[dt.date, int]]:
    """Leads received per calendar month, the last ``months`` months, oldest first."""
    now = now or utcnow()
    first = months_ago(months - 1, now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    keys = []
    for back in range(months - 1, -1, -1):
        month = months_ago(back, now)
        keys.append((month.year, month.month))
    counts = dict.fromkeys(keys, 0)
    created = db.session.scalars(
        select(Lead.created_at).where(
            Lead.agency_id == agency.id, Lead.is_spam.is_(False), Lead.created_at >= first
        )
    )
    for when in created:
        if (when.year, when.month) in counts:
            counts[(when.year, when.month)] += 1
    return [(dt.date(year, month, 1), n) for (year, month), n in counts.items()]


def lead_volume(sort: str = "recent", descending: bool = True, now: dt.datetime | None = None):
    """Leads per agency (last 30 days, all time, spam-flagged), for the administration."""
    since = (now or utcnow()) - dt.timedelta(days=30)
    kept = Lead.is_spam.is_(False)
    total = func.count(case((kept, Lead.id))).label("total")
    recent = func.count(case((kept & (Lead.created_at >= since), Lead.id))).label("recent")
    spam = func.count(case((Lead.is_spam.is_(True), Lead.id))).label("spam")
    columns = {"name": func.lower(Agency.name), "recent": recent, "total": total, "spam": spam}
    order = columns.get(sort, recent)
    stmt = (
        select(Agency.id, Agency.name, Agency.slug, recent, total, spam)
        .join(Lead, Lead.agency_id == Agency.id)
        .group_by(Agency.id, Agency.name, Agency.slug)
        .order_by(order.desc() if descending else order.asc(), Agency.id)
        .limit(1_000)
    )
    return db.session.execute(stmt).all()


def recent_leads(agency_id: int | None = None, limit: int = 100) -> list[Lead]:
    """The newest leads, spam-flagged included (administration)."""
    stmt = (
        select(Lead)
        .options(selectinload(Lead.agency))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(limit)
    )
    if agency_id is not None:
        stmt = stmt.where(Lead.agency_id == agency_id)
    return list(db.session.scalars(stmt))


# Spreadsheet programs run cells starting with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id", "created_at", "status", "source", *PROSPECT_FIELDS, "consent_version", "consent_at",
)  # fmt: skip


def csv_cell(value) -> str:
    """A cell that a spreadsheet shows as text, never evaluates."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, dt.datetime):
        value = value.replace(microsecond=0).isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def leads_csv(leads: Iterable[Lead]) -> str:
    """The leads as CSV text, one row each, formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for lead in leads:
        writer.writerow([csv_cell(getattr(lead, column)) for column in CSV_COLUMNS])
    return out.getvalue()


def export_leads(agency: Agency) -> list[Lead]:
    """Every lead the agency may see, oldest first (for the CSV export)."""
    return list(db.session.scalars(_inbox(agency).order_by(Lead.created_at, Lead.id)))
