"""The agency dashboard: the user's agencies, profile drafts, logo, certifications, team."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from .. import taxonomy
from ..auth import member_agency, verified_required
from ..db import db
from ..extensions import limiter
from ..forms.account import ConfirmForm
from ..forms.agency import (
    CertificationForm,
    ClaimAgencyForm,
    CreateAgencyForm,
    LogoForm,
    ProfileForm,
)
from ..i18n import localized_blueprint
from ..listings import rating_summary
from ..models import Agency, Certification
from ..services import agencies, certifications, profile, uploads
from ._files import send_private_file

bp = localized_blueprint("dashboard", __name__, "/dashboard")


@bp.after_request
def _private(response):
    """Personal pages: never stored by browsers or shared caches (ASVS 8.2.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


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
        confirm=ConfirmForm(),
    )


# --- profile editing ---------------------------------------------------------------------------


def _rebuild_offices(form: ProfileForm) -> None:
    """Apply the no-JavaScript "add office" / "remove office" buttons to the form."""
    rows = [
        {k: entry.form[k].data for k in ("country", "region", "city", "lat", "lng")}
        for entry in form.offices.entries
    ]
    hq = form.headquarters.data if isinstance(form.headquarters.data, int) else 0
    if "add_office" in request.form and len(rows) < form.offices.max_entries:
        rows.append({})
    removed = request.form.get("remove_office", type=int)
    if removed is not None and 0 <= removed < len(rows) and len(rows) > 1:
        rows.pop(removed)
        hq = 0 if removed == hq else (hq - 1 if removed < hq else hq)
    form.offices.entries = []
    form.offices.last_index = -1
    for row in rows:
        form.offices.append_entry(row)
    form.headquarters.data = min(hq, len(rows) - 1)
    form.set_office_choices()


def _render_editor(agency, form, *, conflict=None, status=200):
    return render_template(
        "dashboard/edit.html",
        agency=agency,
        form=form,
        conflict=conflict,
        labels=_field_labels(form),
        draft=profile.draft_of(agency),
    ), status


def _field_labels(form: ProfileForm) -> dict[str, str]:
    labels = {name: str(form[name].label.text) for name in profile.FIELDS if name != "offices"}
    labels["offices"] = _("Offices")
    labels["version"] = _("Profile")
    return labels


@bp.route("/agencies/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_profile(slug: str):
    """Edit the profile into the draft (fields other than the profile's are ignored)."""
    found = member_agency(slug)
    if request.method == "GET":
        values = profile.current_values(found)
        form = ProfileForm(data=profile.form_data(values))
        form.base.data = profile.sign_base(found, values)
        return _render_editor(found, form)
    form = ProfileForm()
    # CSRFProtect has already refused a POST without a valid token, before this view.
    if "add_office" in request.form or "remove_office" in request.form:
        _rebuild_offices(form)  # nothing saved: the user keeps typing
        return _render_editor(found, form)
    if not form.validate_on_submit():
        return _render_editor(found, form, status=422)
    mine = profile.payload_from_form(form)
    conflict = profile.save_draft(found, current_user, mine, form.base.data)
    if conflict:
        # Keep the user's input; the new base makes a second submit a deliberate overwrite.
        form.base.data = profile.sign_base(found, profile.current_values(found))
        return _render_editor(found, form, conflict=conflict, status=409)
    flash(_("Draft saved. Check the preview, then publish it."), "success")
    return redirect(url_for("dashboard.preview", slug=found.slug))


@bp.get("/agencies/<slug>/preview")
@login_required
def preview(slug: str):
    """The public profile page as it will look once the draft is published."""
    found = member_agency(slug)
    draft = profile.draft_of(found)
    values = draft.payload if draft else profile.snapshot(found)
    shown = profile.preview_agency(found, values)
    held = set(shown.services)
    services = [
        (category, [t.slug for t in terms if t.slug in held])
        for category, terms in taxonomy.services_by_category().items()
    ]
    return render_template(
        "dashboard/preview.html",
        agency=shown,
        real=found,
        draft=draft,
        summary=rating_summary(found.id),
        reviews=[],
        page=1,
        pages=1,
        services=[(c, s) for c, s in services if s],
        certification=found.current_certification,
        meta_description="",
        structured_data=Markup("{}"),
        confirm=ConfirmForm(),
        preview=True,
    )


@bp.post("/agencies/<slug>/publish")
@login_required
def publish(slug: str):
    """Publish the draft onto the public profile, unless someone published over it meanwhile."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    conflict = profile.publish(found, current_user)
    if conflict is None:
        flash(_("There is no draft to publish."), "info")
    elif conflict:
        form = ProfileForm()
        return render_template(
            "dashboard/conflict.html",
            agency=found,
            conflict=conflict,
            labels=_field_labels(form),
            confirm=ConfirmForm(),
        ), 409
    else:
        flash(_("Your changes are published."), "success")
    return redirect(url_for("dashboard.agency", slug=found.slug))


@bp.post("/agencies/<slug>/draft/keep")
@login_required
def keep_draft(slug: str):
    """After a conflict: keep the draft's values over what was published meanwhile."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    draft = profile.draft_of(found)
    if draft is not None:
        profile.rebase_draft(found, draft, current_user)
        flash(_("Your draft now replaces the newer values. Check the preview and publish."), "info")
    return redirect(url_for("dashboard.preview", slug=found.slug))


@bp.post("/agencies/<slug>/draft/discard")
@login_required
def discard_draft(slug: str):
    """Drop the draft and start again from the published profile."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    profile.discard_draft(found)
    flash(_("The draft was discarded."), "info")
    return redirect(url_for("dashboard.agency", slug=found.slug))


# --- logo ----------------------------------------------------------------------------------------


@bp.route("/agencies/<slug>/logo", methods=["GET", "POST"])
@login_required
def logo(slug: str):
    """Upload a logo: re-encoded server-side, served from the database."""
    found = member_agency(slug)
    form = LogoForm()
    status = 200
    if form.validate_on_submit():
        try:
            uploads.save_logo(found, current_user, form.logo.data)
        except uploads.UploadRejected as error:
            db.session.rollback()
            form.logo.errors.append(str(error))
            status = 422
        else:
            flash(_("Your logo was updated."), "success")
            return redirect(url_for("dashboard.logo", slug=found.slug))
    elif request.method == "POST":
        status = 422
    return render_template(
        "dashboard/logo.html", agency=found, form=form, confirm=ConfirmForm()
    ), status


@bp.post("/agencies/<slug>/logo/remove")
@login_required
def remove_logo(slug: str):
    """Remove the logo (the monogram is shown instead)."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    uploads.remove_logo(found, current_user)
    flash(_("The logo was removed."), "info")
    return redirect(url_for("dashboard.logo", slug=found.slug))


# --- certifications -------------------------------------------------------------------------------


@bp.route("/agencies/<slug>/certifications", methods=["GET", "POST"])
@login_required
def certifications_page(slug: str):
    """Submit an inbound certification; see each one's status and any rejection reason."""
    found = member_agency(slug)
    form = CertificationForm()
    status = 200
    if form.validate_on_submit():
        try:
            proof = uploads.store_proof(form.proof.data) if form.proof.data else None
            certifications.submit(
                found,
                current_user,
                form.certificate_id.data,
                form.issued_on.data,
                form.expires_on.data,
                proof,
            )
        except (uploads.UploadRejected, certifications.CertificationError) as error:
            db.session.rollback()
            target = (
                form.proof if isinstance(error, uploads.UploadRejected) else form.certificate_id
            )
            target.errors.append(str(error))
            status = 422
        else:
            flash(_("Certification submitted. An administrator will verify it."), "success")
            return redirect(url_for("dashboard.certifications_page", slug=found.slug))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/certifications.html", agency=found, form=form), status


@bp.get("/agencies/<slug>/certifications/<int:cert_id>/proof")
@login_required
def certification_proof(slug: str, cert_id: int):
    """Download a proof file: members of this agency and administrators only."""
    found = member_agency(slug)
    certification = db.session.get(Certification, cert_id)
    if certification is None or certification.agency_id != found.id:
        abort(404)
    return send_private_file(certification.proof_file_id)


@bp.app_context_processor
def _dashboard_nav() -> dict:
    return {"dashboard_lang": g.get("lang")}


# The team pages (invitations, members) live in their own module on the same blueprint.
from . import team  # noqa: E402, F401
