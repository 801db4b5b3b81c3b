"""An account holder's own data: export it as JSON, or delete the account (GDPR art. 15, 17, 20).

A prospect's leads and reviews have their own path (``services.leads.privacy``); the export
here includes them for the account's address too, so one download holds everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from ..db import db, utcnow
from ..models import Agency, AuditEntry, Invitation, Membership, User, UserSession
from ..passwords import verify_password
from .audit import record
from .leads.privacy import export_prospect


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_account(user: User) -> dict:
    """Everything held about the account, as JSON-ready data."""
    memberships = db.session.execute(
        select(Membership, Agency)
        .join(Agency, Agency.id == Membership.agency_id)
        .where(Membership.user_id == user.id)
        .order_by(Agency.name)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where((Invitation.invited_by_id == user.id) | (Invitation.requested_by_id == user.id))
        .order_by(Invitation.id)
    )
    sessions = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )
    actions = db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
    )
    prospect = export_prospect(user.email)
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "email": user.email,
            "name": user.name,
            "administrator": bool(user.is_admin),
            "email_verified_at": _iso(user.email_verified_at),
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "memberships": [
            {"agency": a.slug, "agency_name": a.name, "role": m.role, "since": _iso(m.created_at)}
            for m, a in memberships
        ],
        "invitations": [
            {
                "kind": i.kind,
                "agency_id": i.agency_id,
                "email": i.email,
                "role": i.role,
                "created_at": _iso(i.created_at),
                "used_at": _iso(i.used_at),
            }
            for i in invitations
        ],
        "sessions": [
            {
                "device": s.user_agent,
                "started_at": _iso(s.created_at),
                "last_seen_at": _iso(s.last_seen_at),
                "revoked_at": _iso(s.revoked_at),
            }
            for s in sessions
        ],
        "actions": [
            {"at": _iso(e.at), "action": e.action, "agency_id": e.agency_id, "target": e.target}
            for e in actions
        ],
        "leads_and_reviews_by_this_address": {
            "leads": prospect["leads"],
            "reviews": prospect["reviews"],
        },
    }


@dataclass
class DeletionRefused:
    """Why the account cannot be deleted yet: ``reason`` and the agencies concerned."""

    reason: str  # "password", "sole_owner" or "last_admin"
    agencies: list[Agency] = field(default_factory=list)


def deletion_blockers(user: User) -> DeletionRefused | None:
    """What must happen before the account can go (an agency owned, the last administrator)."""
    owned = list(
        db.session.scalars(
            select(Agency)
            .join(Membership, Membership.agency_id == Agency.id)
            .where(Membership.user_id == user.id, Membership.role == "owner")
            .order_by(Agency.name)
        )
    )
    if owned:
        # An agency has exactly one owner: leaving would orphan it.
        return DeletionRefused("sole_owner", owned)
    if user.is_admin:
        admins = db.session.scalar(select(func.count()).select_from(User).where(User.is_admin))
        if admins <= 1:
            return DeletionRefused("last_admin")
    return None


def delete_account(user: User, password: str) -> DeletionRefused | None:
    """Delete the account after checking its password; None when done.

    Memberships, sessions and pending claims go with it; the audit trail keeps its entries
    (with the address as ``actor_label``: who changed an agency stays accountable).
    """
    if not verify_password(user.password_hash, password):
        return DeletionRefused("password")
    blocked = deletion_blockers(user)
    if blocked is not None:
        return blocked
    user_id = user.id
    record("account.deleted", actor=user, target=f"user:{user_id}")
    db.session.flush()
    db.session.execute(delete(Membership).where(Membership.user_id == user_id))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    db.session.execute(delete(Invitation).where(Invitation.requested_by_id == user_id))
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.commit()
    return None
