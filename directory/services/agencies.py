"""Agencies and their teams: create, claim, invite, remove, transfer ownership."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..db import db, utcnow
from ..mail import send_mail
from ..models import Agency, Invitation, Membership, Office, User
from ..slugs import unique_slug
from .accounts import external_url, normalize_email
from .audit import record
from .concurrency import commit_retrying

INVITATION_LIFETIME = dt.timedelta(hours=72)


class TeamError(Exception):
    """A team change that is not allowed; the message is for the user."""


def create_agency(user: User, name: str, country: str) -> Agency:
    """A new draft agency owned by ``user``; it is listed once published and certified."""
    agency = Agency(name=name.strip(), slug=unique_slug(name), program="provider", status="draft")
    agency.offices.append(Office(country=country, is_headquarters=True, position=0))
    db.session.add(agency)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, agency_id=agency.id, role="owner"))
    record(
        "agency.created",
        actor=user,
        agency_id=agency.id,
        target=f"agency:{agency.slug}",
        after={"name": agency.name, "slug": agency.slug, "status": agency.status},
    )
    db.session.commit()
    return agency


def agencies_of(user: User) -> list[tuple[Agency, str]]:
    """The user's agencies with the user's role, by name."""
    rows = db.session.execute(
        select(Agency, Membership.role)
        .join(Membership, Membership.agency_id == Agency.id)
        .where(Membership.user_id == user.id)
        .order_by(func.lower(Agency.name))
    ).all()
    return [(agency, role) for agency, role in rows]


def members_of(agency: Agency) -> list[Membership]:
    """The team of an agency, owners first."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.agency_id == agency.id)
            .order_by(Membership.role.desc(), Membership.created_at)
        )
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_invitation(agency: Agency, **fields) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        agency_id=agency.id,
        token_hash=_hash_token(token),
        expires_at=utcnow() + INVITATION_LIFETIME,
        **fields,
    )
    db.session.add(invitation)
    return invitation, token


def invite_member(agency: Agency, inviter: User, email: str, role: str = "manager") -> None:
    """Mail a 72-hour, single-use invitation to join the agency's team."""
    email = normalize_email(email)
    existing = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.agency_id == agency.id, func.lower(User.email) == email)
    )
    if existing is not None:
        raise TeamError(_("This person is already in the team."))
    _invitation, token = _new_invitation(
        agency, kind="member", email=email, role=role, invited_by_id=inviter.id
    )
    record(
        "team.invited",
        actor=inviter,
        agency_id=agency.id,
        target=f"email:{email}",
        after={"role": role},
    )
    db.session.commit()
    link = external_url("dashboard.invitation", token=token)
    send_mail(
        email,
        _("You are invited to manage %(agency)s", agency=agency.name),
        render_template(
            "dashboard/email/invitation.txt", agency=agency, inviter=inviter, link=link, hours=72
        ),
    )


def request_claim(user: User, agency: Agency) -> bool:
    """Mail the agency's address on file a link that makes ``user`` its owner.

    Only for agencies without an owner and with an address on file; the caller answers the
    same either way, so the form does not reveal which agencies have an owner.
    """
    has_owner = db.session.scalar(
        select(Membership.user_id).where(
            Membership.agency_id == agency.id, Membership.role == "owner"
        )
    )
    if has_owner is not None or not agency.email:
        return False
    _invitation, token = _new_invitation(
        agency, kind="claim", email=agency.email, role="owner", requested_by_id=user.id
    )
    record("agency.claim_requested", actor=user, agency_id=agency.id, target=f"user:{user.id}")
    db.session.commit()
    link = external_url("dashboard.invitation", token=token)
    send_mail(
        agency.email,
        _("Approve access to %(agency)s in the directory", agency=agency.name),
        render_template(
            "dashboard/email/claim.txt", agency=agency, requester=user, link=link, hours=72
        ),
    )
    return True


def find_invitation(token: str) -> Invitation | None:
    """A usable invitation for this token, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _hash_token(token))
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def accept_invitation(invitation: Invitation, user: User | None) -> User:
    """Use an invitation once: the invitee joins, or the claim's requester becomes owner."""
    if invitation.kind == "claim":
        member = invitation.requested_by
    else:
        if user is None or normalize_email(user.email) != invitation.email:
            raise TeamError(
                _("This invitation was sent to another address. Sign in with that address.")
            )
        member = user
        if member.email_verified_at is None:  # following the mailed link proved the mailbox
            member.email_verified_at = utcnow()
    if member is None:
        raise TeamError(_("This invitation is no longer valid."))
    if invitation.role == "owner" and _owner_id(invitation.agency_id) not in (None, member.id):
        raise TeamError(_("This agency already has an owner."))
    # Single use even under a double submit: only the first UPDATE matches used_at IS NULL.
    used = db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if used != 1:
        db.session.rollback()
        raise TeamError(_("This invitation is no longer valid."))
    membership = db.session.get(Membership, (member.id, invitation.agency_id))
    if membership is None:
        membership = Membership(
            user_id=member.id, agency_id=invitation.agency_id, role=invitation.role
        )
        db.session.add(membership)
    elif invitation.role == "owner":
        membership.role = "owner"
    record(
        "team.joined" if invitation.kind == "member" else "agency.claimed",
        actor=member,
        agency_id=invitation.agency_id,
        target=f"user:{member.id}",
        after={"role": membership.role},
    )
    _commit_ownership(_("This agency already has an owner."))
    return member


def _owner_id(agency_id: int) -> int | None:
    """The user id of the agency's owner, if it has one."""
    return db.session.scalar(
        select(Membership.user_id).where(
            Membership.agency_id == agency_id, Membership.role == "owner"
        )
    )


def _commit_ownership(message: str) -> None:
    """Commit a change of owner; the one-owner index turns a lost race into ``TeamError``."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise TeamError(message) from None


def remove_member(agency: Agency, actor: User, user_id: int) -> None:
    """Remove a manager (owners must hand over ownership before leaving)."""
    membership = db.session.get(Membership, (user_id, agency.id))
    if membership is None:
        raise TeamError(_("This person is not in the team."))
    if membership.role == "owner":
        raise TeamError(_("An owner cannot be removed; transfer ownership first."))
    email = membership.user.email
    db.session.delete(membership)
    record(
        "team.removed",
        actor=actor,
        agency_id=agency.id,
        target=f"user:{user_id}",
        before={"email": email, "role": "manager"},
    )
    db.session.commit()


def transfer_ownership(agency: Agency, actor: User, user_id: int) -> None:
    """Make a manager the owner; the previous owner stays on as a manager.

    Conditional UPDATEs, demotion first: of two transfers at once, the second finds the owner
    already changed (or hits the one-owner index) and gets a ``TeamError``, never two owners.
    """
    if user_id == actor.id:
        raise TeamError(_("Choose a manager of this agency."))
    changed = _("Only the current owner can hand over ownership, and it has just changed.")
    previous = _owner_id(agency.id)
    demote = update(Membership).where(Membership.agency_id == agency.id, Membership.role == "owner")
    if not actor.is_admin:  # an admin may hand over any agency, an owner only their own
        demote = demote.where(Membership.user_id == actor.id)
    demoted = db.session.execute(demote.values(role="manager")).rowcount
    if demoted != 1 and not actor.is_admin:
        db.session.rollback()
        raise TeamError(changed)
    try:
        promoted = db.session.execute(
            update(Membership)
            .where(
                Membership.agency_id == agency.id,
                Membership.user_id == user_id,
                Membership.role == "manager",
            )
            .values(role="owner")
        ).rowcount
    except IntegrityError:  # another transfer made an owner meanwhile
        db.session.rollback()
        raise TeamError(changed) from None
    if promoted != 1:
        db.session.rollback()
        raise TeamError(_("Choose a manager of this agency."))
    record(
        "team.ownership_transferred",
        actor=actor,
        agency_id=agency.id,
        target=f"user:{user_id}",
        before={"owner": previous},
        after={"owner": user_id},
    )
    _commit_ownership(changed)


# --- program administration ------------------------------------------------------------------


def _program_state(agency: Agency) -> dict:
    return {
        "program": agency.program,
        "tier": agency.tier,
        "accreditations": list(agency.accreditations),
        "status": agency.status,
        "status_reason": agency.status_reason,
    }


def set_program(
    agency: Agency, admin: User, program: str, tier: str | None, accreditations: list[str]
) -> None:
    """Set the program, tier and accreditations; the commit re-ranks search via the outbox.

    Absolute values: when another write to the agency wins the race, they are set again on it.
    """

    def apply() -> None:
        before = _program_state(agency)
        agency.program = program
        agency.tier = tier if program == "partner" else None
        agency.accreditations = accreditations
        agency.updated_at = utcnow()
        _audit_admin("admin.program_changed", agency, admin, before)

    commit_retrying(apply)


def suspend(agency: Agency, admin: User, reason: str) -> None:
    """Take the agency out of the directory, with a reason its team sees."""
    commit_retrying(lambda: _set_status(agency, admin, "suspended", reason, "admin.suspended"))


def reinstate(agency: Agency, admin: User, reason: str) -> None:
    """Publish a suspended agency again (listed again if its certification is valid)."""
    commit_retrying(
        lambda: _set_status(agency, admin, "published", reason or None, "admin.reinstated")
    )


def _set_status(agency: Agency, admin: User, status: str, reason: str | None, action: str) -> None:
    before = _program_state(agency)
    agency.status = status
    agency.status_reason = reason
    _audit_admin(action, agency, admin, before)


def _audit_admin(action: str, agency: Agency, admin: User, before: dict) -> None:
    after = _program_state(agency)
    keys = [k for k in after if before.get(k) != after.get(k)] or list(after)
    record(
        action,
        actor=admin,
        agency_id=agency.id,
        target=f"agency:{agency.slug}",
        before={k: before[k] for k in keys},
        after={k: after[k] for k in keys},
    )


def pending_invitations(agency: Agency) -> list[Invitation]:
    """Team invitations not used and not expired yet, newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.agency_id == agency.id,
                Invitation.kind == "member",
                Invitation.used_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def revoke_invitation(agency: Agency, actor: User, invitation_id: int) -> None:
    """Make a pending invitation unusable."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.agency_id != agency.id or invitation.used_at is not None:
        raise TeamError(_("This invitation is no longer valid."))
    invitation.used_at = utcnow()
    record(
        "team.invitation_revoked",
        actor=actor,
        agency_id=agency.id,
        target=f"email:{invitation.email}",
    )
    db.session.commit()
