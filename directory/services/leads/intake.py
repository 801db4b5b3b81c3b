"""Leads coming in: record a prospect's request, notify the agency, move it through the inbox.

Writes commit here; mail goes out after the commit, so a mail failure never loses a lead.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from email.headerregistry import Address

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ...db import db, utcnow
from ...mail import send_mail
from ...models import Agency, Lead, LeadPreference, Membership, User
from ...models.lead import CONSENT_VERSION, LEAD_STATUSES, PROSPECT_FIELDS
from ...urls import public_url
from .matching import Proposal

logger = logging.getLogger("directory.leads")


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


def reply_to_prospect(name: str | None, email: str | None) -> str | None:
    """The prospect as a ``Reply-To`` value (display name quoted and encoded), or None."""
    if not email:
        return None
    # Line breaks and other control characters would start a new header: they become spaces.
    display = " ".join("".join(c if c.isprintable() else " " for c in name or "").split())
    try:
        return str(Address(display_name=display[:120], addr_spec=email.strip()))
    except (ValueError, IndexError, TypeError):
        # An address the header parser refuses: no Reply-To rather than no notification.
        logger.warning("lead Reply-To left out: unparsable address")
        return None


def _send(
    to: list[str] | str, subject: str, template: str, reply_to: str | None = None, **context
) -> None:
    try:
        send_mail(
            to,
            subject,
            render_template(f"leads/email/{template}.txt", **context),
            render_template(f"leads/email/{template}.html", **context),
            reply_to=reply_to,
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
            link = public_url("leads.detail", lang=locale, slug=lead.agency.slug, lead_id=lead.id)
            # "Reply" in the agency's mail client answers the prospect, not the directory.
            reply_to = reply_to_prospect(lead.name, lead.email)
            # Each member gets their own message: addresses are not disclosed to one another.
            for address in recipients:
                _send(
                    address,
                    _("New request from %(name)s", name=lead.name),
                    "new_lead",
                    reply_to=reply_to,
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
            privacy_link=public_url("privacy.request_data", lang=locale),
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
