"""Inbound certifications: submit one with its proof, see each one's status, download a proof."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth import member_agency
from ...db import db
from ...forms.agency import CertificationForm
from ...models import Certification
from ...services import certifications, uploads
from .._files import send_private_file
from .blueprint import bp
from .uploading import upload_limit


@bp.route("/agencies/<slug>/certifications", methods=["GET", "POST"])
@login_required
@upload_limit
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
