"""The agency's logo: upload (re-encoded server-side) and removal."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth import member_agency
from ...db import db
from ...forms.account import ConfirmForm
from ...forms.agency import LogoForm
from ...services import uploads
from .blueprint import bp
from .uploading import upload_limit


@bp.route("/agencies/<slug>/logo", methods=["GET", "POST"])
@login_required
@upload_limit
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
