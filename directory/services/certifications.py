"""Inbound certifications: submission, verification by an administrator, reminders, expiry.

Listing follows ``listed_filter`` by itself: a verified, unexpired certificate lists a published
agency; a verified renewal re-lists it with no further step.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import insert, select

from ..db import db, today, utcnow
from ..mail import send_mail
from ..models import Agency, Certification, Membership, SearchOutbox, StoredFile, User
from ..models.outbox import SearchState
from .audit import record

# Days before expiry at which the agency is reminded; 0 is the expiry day itself.
REMINDER_DAYS = (30, 7, 0)
EXPIRY_KEY = "expiry_last_run"  # SearchState key: the day expiry last ran


class CertificationError(ValueError):
    """A submission that cannot be accepted; the message is for the user."""


def submit(
    agency: Agency,
    user: User,
    certificate_id: str,
    issued_on: dt.date,
    expires_on: dt.date,
    proof: StoredFile | None = None,
) -> Certification:
    """Record a certification waiting for an administrator's verification."""
    exists = db.session.scalar(
        select(Certification.id).where(
            Certification.agency_id == agency.id, Certification.certificate_id == certificate_id
        )
    )
    if exists is not None:
        db.session.rollback()
        raise CertificationError(_("This certificate ID was already submitted for this agency."))
    certification = Certification(
        agency_id=agency.id,
        certificate_id=certificate_id,
        issued_on=issued_on,
        expires_on=expires_on,
        status="pending",
        proof_file_id=proof.id if proof else None,
    )
    db.session.add(certification)
    db.session.flush()
    record(
        "certification.submitted",
        actor=user,
        agency_id=agency.id,
        target=f"certification:{certification.id}",
        after=_state(certification),
    )
    db.session.commit()
    return certification


def _state(c: Certification) -> dict:
    return {
        "certificate_id": c.certificate_id,
        "issued_on": c.issued_on.isoformat(),
        "expires_on": c.expires_on.isoformat(),
        "status": c.status,
        "rejection_reason": c.rejection_reason,
    }


def pending_queue() -> list[Certification]:
    """Certifications waiting for verification, oldest first."""
    return list(
        db.session.scalars(
            select(Certification)
            .where(Certification.status == "pending")
            .order_by(Certification.created_at, Certification.id)
        )
    )


def verify(certification: Certification, admin: User) -> None:
    """Accept a certification: the agency is listed while it is valid (and published)."""
    before = _state(certification)
    certification.status = "verified"
    certification.verified_at = utcnow()
    certification.verified_by_id = admin.id
    certification.rejection_reason = None
    certification.reminders_sent = ""
    record(
        "certification.verified",
        actor=admin,
        agency_id=certification.agency_id,
        target=f"certification:{certification.id}",
        before=before,
        after=_state(certification),
    )
    db.session.commit()
    _notify(
        certification,
        "dashboard/email/certification_verified.txt",
        _("Your certification was verified"),
    )


def reject(certification: Certification, admin: User, reason: str) -> None:
    """Refuse a certification with a reason the agency sees."""
    before = _state(certification)
    certification.status = "rejected"
    certification.rejection_reason = reason
    certification.verified_at = None
    certification.verified_by_id = None
    record(
        "certification.rejected",
        actor=admin,
        agency_id=certification.agency_id,
        target=f"certification:{certification.id}",
        before=before,
        after=_state(certification),
    )
    db.session.commit()
    _notify(
        certification,
        "dashboard/email/certification_rejected.txt",
        _("Your certification was not accepted"),
    )


def recipients(agency: Agency) -> list[str]:
    """Who hears about the agency's certification: its team, else the address on file."""
    emails = list(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.agency_id == agency.id, User.email_verified_at.is_not(None))
            .order_by(User.email)
        )
    )
    if not emails and agency.email:
        emails = [agency.email]
    return emails


def _notify(certification: Certification, template: str, subject: str, **extra) -> bool:
    agency = certification.agency
    to = recipients(agency)
    if not to:
        return False
    send_mail(
        to,
        subject,
        render_template(template, agency=agency, certification=certification, **extra),
    )
    return True


def _due(days_left: int) -> int | None:
    """The most urgent reminder threshold reached (30, 7 or 0), or None."""
    reached = [d for d in REMINDER_DAYS if days_left <= d]
    return min(reached) if reached and days_left >= 0 else None


def send_expiry_reminders(on: dt.date | None = None) -> int:
    """Send the due expiry reminders (see ``_send_reminders``); callable from any job."""
    if has_request_context():
        return _send_reminders(on)
    base = current_app.config.get("SERVER_NAME_PUBLIC") or "http://localhost:5000"
    with current_app.test_request_context("/", base_url=base):  # for the links in the emails
        return _send_reminders(on)


def _send_reminders(on: dt.date | None = None) -> int:
    """Email agencies 30 and 7 days before their certification expires and on the day; once each.

    Only each agency's current certification counts (a verified renewal that expires later
    silences reminders about the old one). When the job missed days, only the most urgent
    reminder goes out and the earlier ones are marked sent. Returns the number of emails sent.
    """
    on = on or today()
    horizon = on + dt.timedelta(days=max(REMINDER_DAYS))
    candidates = db.session.scalars(
        select(Certification)
        .join(Agency, Agency.id == Certification.agency_id)
        .where(
            Certification.status == "verified",
            Certification.expires_on >= on,
            Certification.expires_on <= horizon,
            Agency.status != "suspended",
        )
        .order_by(Certification.id)
    ).all()
    sent = 0
    for certification in candidates:
        current = certification.agency.current_certification
        if current is not None and current.id != certification.id:
            continue
        threshold = _due((certification.expires_on - on).days)
        done = set(filter(None, (certification.reminders_sent or "").split(",")))
        if threshold is None or str(threshold) in done:
            continue
        done.update(str(d) for d in REMINDER_DAYS if d >= threshold)
        certification.reminders_sent = ",".join(sorted(done, key=int, reverse=True))
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject = (
                _("Your certification expires today")
                if threshold == 0
                else ngettext(
                    "Your certification expires in %(num)d day",
                    "Your certification expires in %(num)d days",
                    (certification.expires_on - on).days,
                )
            )
            if _notify(
                certification,
                "dashboard/email/certification_reminder.txt",
                subject,
                days=(certification.expires_on - on).days,
            ):
                sent += 1
        db.session.commit()
    return sent


def expire_certifications(on: dt.date | None = None) -> int:
    """Queue agencies whose certification expired (or was verified) since the last run.

    An agency stops being listed the day after its certification's ``expires_on``; this
    finds the expiries that took effect since the previous run, and certifications
    verified since then (renewals), and queues those agencies for search. Same day twice:
    no-op.
    """
    on = on or today()
    state = db.session.get(SearchState, EXPIRY_KEY)
    last = dt.date.fromisoformat(state.value) if state else on - dt.timedelta(days=400)
    if last >= on:
        return 0
    since = dt.datetime.combine(last, dt.time.min, tzinfo=dt.UTC)
    expired = select(Certification.agency_id).where(
        Certification.status == "verified",
        Certification.expires_on >= last - dt.timedelta(days=1),
        Certification.expires_on < on,
    )
    renewed = select(Certification.agency_id).where(
        Certification.status == "verified", Certification.verified_at >= since
    )
    ids = set(db.session.scalars(expired)) | set(db.session.scalars(renewed))
    rows = [{"agency_id": int(i), "reason": "expiry"} for i in sorted(ids)]
    if rows:  # the search outbox: the worker re-indexes (or drops) these agencies
        db.session.execute(insert(SearchOutbox), rows)
    if state is None:
        db.session.add(SearchState(key=EXPIRY_KEY, value=on.isoformat()))
    else:
        state.value = on.isoformat()
    db.session.commit()  # the queued rows too
    return len(rows)
