"""The user's agencies: the list, creating one, claiming an imported one, one agency's overview."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...auth import member_agency, verified_required
from ...db import db
from ...extensions import limiter
from ...forms.account import ConfirmForm
from ...forms.agency import ClaimAgencyForm, CreateAgencyForm
from ...models import Agency
from ...services import agencies, profile
from ...services.insights import strength
from .blueprint import bp


@bp.get("/")
@login_required
def index():
    """The user's agencies, with what each one still needs."""
    rows = [
        (agency, role, profile.draft_of(agency) is not None)
        for agency, role in agencies.agencies_of(current_user)
    ]
    return render_template("dashboard/index.html", rows=rows, confirm=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@verified_required
def new_agency():
    """Create an agency: it starts as a draft until published and certified."""
    form = CreateAgencyForm()
    if form.validate_on_submit():
        agency = agencies.create_agency(current_user, form.name.data, form.country.data)
        flash(
            _("Your agency was created. Complete its profile, then submit its certification."),
            "success",
        )
        return redirect(url_for("dashboard.edit_profile", slug=agency.slug))
    return render_template("dashboard/new.html", form=form), 422 if form.errors else 200


@bp.route("/claim", methods=["GET", "POST"])
@verified_required
@limiter.limit("10 per hour", methods=["POST"])
def claim_agency():
    """Ask for an imported agency: its address on file receives an approval link."""
    form = ClaimAgencyForm()
    if form.validate_on_submit():
        slug = form.agency.data.rstrip("/").rsplit("/", 1)[-1].lower()
        agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
        if agency is not None:
            agencies.request_claim(current_user, agency)
        message = _(
            "If this agency can be claimed, we sent an approval link to its email address on "
            "file. Once someone there follows it, the agency appears on your dashboard."
        )
        return render_template("account/check_email.html", message=message)
    return render_template("dashboard/claim.html", form=form), 422 if form.errors else 200


@bp.get("/agencies/<slug>/")
@login_required
def agency(slug: str):
    """One agency: status, listing, draft, certification and team at a glance."""
    found = member_agency(slug)
    return render_template(
        "dashboard/agency.html",
        agency=found,
        role=current_user.role_in(found.id) or ("admin" if current_user.is_admin else None),
        draft=profile.draft_of(found),
        listed=found.is_listed(),
        strength=strength.strength_of(found),
        describe_step=strength.describe,
        confirm=ConfirmForm(),
    )
