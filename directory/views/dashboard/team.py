"""Agency teams: invitations, members, ownership."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth import member_agency, owner_agency
from ...extensions import limiter
from ...forms.account import ConfirmForm
from ...forms.agency import InviteForm, MemberForm
from ...services import agencies
from .blueprint import bp


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Accept a team invitation, or approve a claim (the link itself is the proof)."""
    found = agencies.find_invitation(token)
    if found is None:
        return render_template("dashboard/invitation.html", invitation=None), 404
    if found.kind == "member" and not current_user.is_authenticated:
        flash(_("Sign in (or create an account) with the invited address to accept."), "info")
        return redirect(url_for("account.login", next=request.path))
    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_user._get_current_object() if current_user.is_authenticated else None
        try:
            member = agencies.accept_invitation(found, user)
        except agencies.TeamError as error:
            flash(str(error), "error")
            return render_template("dashboard/invitation.html", invitation=found, form=form), 409
        if user is not None and user.id == member.id:
            flash(_("You now manage %(agency)s.", agency=found.agency.name), "success")
            return redirect(url_for("dashboard.agency", slug=found.agency.slug))
        return render_template("dashboard/invitation_done.html", invitation=found)
    return render_template("dashboard/invitation.html", invitation=found, form=form)


@bp.get("/agencies/<slug>/team")
@login_required
def team(slug: str):
    """The team; owners invite managers, remove them, hand over ownership."""
    found = member_agency(slug)
    return render_template(
        "dashboard/team.html",
        agency=found,
        members=agencies.members_of(found),
        invitations=agencies.pending_invitations(found),
        is_owner=current_user.is_admin or current_user.role_in(found.id) == "owner",
        form=InviteForm(),
        confirm=ConfirmForm(),
    )


def _team_action(slug: str, action, find=owner_agency):
    found = find(slug)
    form = MemberForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(found, current_user, int(form.user_id.data))
    except (agencies.TeamError, ValueError) as error:
        flash(str(error), "error")
    else:
        flash(_("The team was updated."), "success")
    return redirect(url_for("dashboard.team", slug=found.slug))


@bp.post("/agencies/<slug>/team/invite")
@login_required
@limiter.limit("30 per hour")
def invite(slug: str):
    """Invite a manager (owners only)."""
    found = owner_agency(slug)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.email.errors), "error")
        return redirect(url_for("dashboard.team", slug=found.slug))
    try:
        agencies.invite_member(found, current_user, form.email.data)
    except agencies.TeamError as error:
        flash(str(error), "error")
    else:
        flash(_("Invitation sent; it is valid for 72 hours."), "success")
    return redirect(url_for("dashboard.team", slug=found.slug))


@bp.post("/agencies/<slug>/team/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(slug: str, invitation_id: int):
    """Withdraw a pending invitation (owners only)."""
    found = owner_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        agencies.revoke_invitation(found, current_user, invitation_id)
    except agencies.TeamError as error:
        flash(str(error), "error")
    else:
        flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("dashboard.team", slug=found.slug))


@bp.post("/agencies/<slug>/team/remove")
@login_required
def remove_member(slug: str):
    """Remove a manager (owners only)."""
    return _team_action(slug, agencies.remove_member)


@bp.post("/agencies/<slug>/team/transfer")
@login_required
def transfer_ownership(slug: str):
    """Make a manager the owner (owners only).

    The service checks ownership inside its transaction, so an owner whose other tab (or
    co-owner's click) just handed the agency over gets a message rather than a 404.
    """
    return _team_action(slug, agencies.transfer_ownership, find=member_agency)
