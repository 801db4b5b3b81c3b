"""Forgetting leads: retention purge, and a prospect's data export and erasure (GDPR)."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from ...db import db, utcnow
from ...mail import send_mail
from ...models import Lead, Review
from ...models.lead import PROSPECT_FIELDS
from ..accounts import external_url
from ..reviews.ratings import refresh_ratings

REQUEST_KINDS = ("export", "erase")
REQUEST_MAX_AGE = 24 * 3600  # a prospect's export or erasure link, in seconds


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


# --- self-service requests: a link mailed to the address proves the prospect owns it -----------


def _request_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="privacy.prospect")


def request_token(email: str, kind: str) -> str:
    """A signed token for ``kind`` (export or erase) of what is held about ``email``."""
    if kind not in REQUEST_KINDS:
        raise ValueError(f"unknown request kind {kind!r}")
    return _request_serializer().dumps({"e": email.strip().lower(), "k": kind})


def read_request_token(token: str) -> tuple[str, str] | None:
    """``(email, kind)`` from a valid token younger than ``REQUEST_MAX_AGE``; None otherwise."""
    try:
        data = _request_serializer().loads(token, max_age=REQUEST_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    email, kind = data.get("e"), data.get("k")
    if not isinstance(email, str) or kind not in REQUEST_KINDS:
        return None
    return email, kind


def send_request_link(email: str, kind: str) -> None:
    """Mail the confirmation link of a prospect's request (sent whether or not data is held)."""
    link = external_url("privacy.confirm", token=request_token(email, kind))
    subject = (
        _("Your request for a copy of your data")
        if kind == "export"
        else _("Your request to erase your data")
    )
    text = render_template(
        "privacy/email/request.txt", kind=kind, link=link, hours=REQUEST_MAX_AGE // 3600
    )
    send_mail(email.strip().lower(), subject, text)


def holds_data_about(email: str) -> bool:
    """Whether any lead or review carries ``email``."""
    leads, reviews = _prospect_rows(email)
    return bool(leads or reviews)
