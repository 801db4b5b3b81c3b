"""Leads: record a prospect's request, notify the agency, move it through the inbox, forget it.

Writes commit here; mail goes out after the commit, so a mail failure never loses a lead.
The read side (inbox pages, monthly counts, volume per agency, CSV) is at the end.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import uuid
from collections.abc import Iterable

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import selectinload

from ..db import db, utcnow
from ..mail import send_mail
from ..models import Agency, Lead, LeadPreference, Membership, Review, User
from ..models.lead import CONSENT_VERSION, LEAD_STATUSES
from .matching import Proposal

logger = logging.getLogger("directory.leads")

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


def _public_url(endpoint: str, **values) -> str:
    base = current_app.config.get("SERVER_NAME_PUBLIC")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _new_lead(agency_id: int, prospect: dict, **extra) -> Lead:
    now = utcnow()
    fields = {name: prospect.get(name) for name in PROSPECT_FIELDS}
    fields["email"] = (fields["email"] or "").strip().lower()
    fields["services"] = list(fields["services"] or [])
    return Lead(
        agency_id=agency_id,
        consent_version=CONSENT_VERSION,
        consent_at=now,
        created_at=now,
        **fields,
        **extra,
    )


def create_contact_lead(agency: Agency, prospect: dict, *, locale: str) -> Lead:
    """Record a request sent from an agency's profile, then notify both sides."""
    lead = _new_lead(agency.id, prospect, source="contact", locale=locale, batch=uuid.uuid4().hex)
    db.session.add(lead)
    db.session.commit()
    notify_new_leads([lead], locale=locale)
    return lead


def create_match_leads(
    proposals: Iterable[Proposal],
    chosen: Iterable[int],
    prospect: dict,
    criteria: dict,
    *,
    locale: str,
) -> list[Lead]:
    """One lead per chosen proposal, all in one transaction, then the notifications.

    ``chosen`` must be ids the caller re-validated against the proposals; ids that are not
    among them are ignored here too.
    """
    by_id = {p.agency.id: p for p in proposals}
    batch = uuid.uuid4().hex
    brief = {k: v for k, v in criteria.items() if k not in PROSPECT_FIELDS and v}
    leads = []
    for agency_id in dict.fromkeys(chosen):
        proposal = by_id.get(agency_id)
        if proposal is None:
            continue
        lead = _new_lead(
            agency_id,
            prospect,
            source="match",
            locale=locale,
            batch=batch,
            criteria=brief,
            match_reasons=proposal.reasons,
        )
        leads.append(lead)
    db.session.add_all(leads)
    db.session.commit()
    notify_new_leads(leads, locale=locale)
    return leads


# --- notifications ---------------------------------------------------------------------------


def lead_recipients(agency: Agency) -> list[str]:
    """Owners and managers who did not turn lead emails off; the agency's email if no members."""
    members = db.session.execute(
        select(User.email, LeadPreference.email_on_new)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            LeadPreference,
            (LeadPreference.user_id == Membership.user_id)
            & (LeadPreference.agency_id == Membership.agency_id),
        )
        .where(Membership.agency_id == agency.id, Membership.role.in_(("owner", "manager")))
        .order_by(User.email)
    ).all()
    if not members:
        return [agency.email] if agency.email else []
    return [email for email, wants in members if wants is not False]


def _send(to: list[str] | str, subject: str, template: str, **context) -> None:
    try:
        send_mail(
            to,
            subject,
            render_template(f"leads/email/{template}.txt", **context),
            render_template(f"leads/email/{template}.html", **context),
        )
    except Exception:  # the lead is stored; a mail outage must not turn into an error page
        logger.exception("lead mail %s failed", template)


def notify_new_leads(leads: list[Lead], *, locale: str) -> None:
    """Tell each agency about its lead, and confirm to the prospect once for the whole batch."""
    if not leads:
        return
    for lead in leads:
        recipients = lead_recipients(lead.agency)
        if recipients:
            link = _public_url("leads.detail", lang=locale, slug=lead.agency.slug, lead_id=lead.id)
            # Each member gets their own message: addresses are not disclosed to one another.
            for address in recipients:
                _send(
                    address,
                    _("New request from %(name)s", name=lead.name),
                    "new_lead",
                    lead=lead,
                    link=link,
                )
    with force_locale(locale):
        _send(
            leads[0].email,
            _("Your request was sent"),
            "confirmation",
            lead=leads[0],
            agencies=[lead.agency for lead in leads],
        )


# --- inbox -----------------------------------------------------------------------------------


def set_lead_status(lead: Lead, status: str) -> None:
    """Move a lead to another inbox tab."""
    if status not in LEAD_STATUSES:
        raise ValueError(status)
    if lead.status != status:
        lead.status = status
        lead.status_changed_at = utcnow()
        db.session.commit()


def flag_spam(lead: Lead, spam: bool, by: User) -> None:
    """Flag a lead as spam (hidden from the agency) or clear the flag."""
    lead.is_spam = spam
    lead.flagged_at = utcnow() if spam else None
    lead.flagged_by_id = by.id if spam else None
    db.session.commit()


def wants_lead_email(user: User, agency: Agency) -> bool:
    """The member's current choice (email on by default)."""
    pref = db.session.get(LeadPreference, (user.id, agency.id))
    return True if pref is None else pref.email_on_new


def save_lead_preferences(user: User, agency: Agency, email_on_new: bool) -> None:
    """Store a member's notification choice (administrators who are not members: nothing)."""
    member = db.session.get(Membership, (user.id, agency.id))
    if member is None:
        return
    pref = db.session.get(LeadPreference, (user.id, agency.id))
    if pref is None:
        pref = LeadPreference(user_id=user.id, agency_id=agency.id)
        db.session.add(pref)
    pref.email_on_new = email_on_new
    db.session.commit()


# --- privacy ---------------------------------------------------------------------------------


def months_ago(months: int, now: dt.datetime | None = None) -> dt.datetime:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    now = now or utcnow()
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    days = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return now.replace(year=year, month=month, day=min(now.day, days))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def purge_expired_leads(*, dry_run: bool = False, now: dt.datetime | None = None) -> int:
    """Delete leads older than ``LEAD_RETENTION_MONTHS``; returns how many (would be) deleted."""
    cutoff = months_ago(int(current_app.config["LEAD_RETENTION_MONTHS"]), now)
    expired = Lead.created_at < cutoff
    count = db.session.scalar(select(func.count()).select_from(Lead).where(expired)) or 0
    if not dry_run and count:
        db.session.execute(delete(Lead).where(expired))
        db.session.commit()
    return count


def _lead_record(lead: Lead) -> dict:
    return {
        "id": lead.id,
        "agency": lead.agency.slug if lead.agency else None,
        "source": lead.source,
        "status": lead.status,
        **{name: getattr(lead, name) for name in PROSPECT_FIELDS},
        "locale": lead.locale,
        "criteria": lead.criteria,
        "match_reasons": lead.match_reasons,
        "consent_version": lead.consent_version,
        "consent_at": lead.consent_at.isoformat() if lead.consent_at else None,
        "created_at": lead.created_at.isoformat() if lead.created_at else None,
    }


def _review_record(review: Review) -> dict:
    return {
        "id": review.id,
        "agency": review.agency.slug if review.agency else None,
        "status": review.status,
        "author_name": review.author_name,
        "author_role": review.author_role,
        "author_company": review.author_company,
        "author_email": review.author_email,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "submitted_on": review.submitted_on.isoformat() if review.submitted_on else None,
    }


def _prospect_rows(email: str) -> tuple[list[Lead], list[Review]]:
    email = email.strip().lower()
    leads = list(db.session.scalars(select(Lead).where(Lead.email == email).order_by(Lead.id)))
    reviews = list(
        db.session.scalars(
            select(Review).where(func.lower(Review.author_email) == email).order_by(Review.id)
        )
    )
    return leads, reviews


def export_prospect(email: str) -> dict:
    """Everything held about a prospect's email: their leads and their reviews."""
    leads, reviews = _prospect_rows(email)
    return {
        "email": email.strip().lower(),
        "exported_at": utcnow().isoformat(),
        "leads": [_lead_record(lead) for lead in leads],
        "reviews": [_review_record(review) for review in reviews],
    }


def erase_prospect(email: str) -> dict:
    """Delete a prospect's leads and reviews (right to erasure); returns what was deleted."""
    from .ratings import refresh_ratings

    leads, reviews = _prospect_rows(email)
    deleted = {
        "leads": [(lead.id, lead.agency.slug if lead.agency else None) for lead in leads],
        "reviews": [(r.id, r.agency.slug if r.agency else None) for r in reviews],
    }
    touched = {r.agency_id for r in reviews}
    for row in (*leads, *reviews):
        db.session.delete(row)
    db.session.flush()
    # Deleted reviews no longer count in the agencies' ratings.
    refresh_ratings(touched)
    db.session.commit()
    return deleted


# --- read side: inbox, reports, export -------------------------------------------------------

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
