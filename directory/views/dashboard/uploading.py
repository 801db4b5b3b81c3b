"""What the upload forms (logo, certification proof) share: a per-account rate limit, and a
form message instead of a bare error page when the file is over the size limit."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException

from ...auth import member_agency
from ...extensions import limiter
from ...forms.account import ConfirmForm
from ...forms.agency import CertificationForm, LogoForm
from .blueprint import bp


def _account_key() -> str:
    """Uploads are counted per account: decoding images is what they cost, whoever sends them."""
    return f"upload:{current_user.get_id()}"


# Below ``login_required``: only signed-in accounts reach it.
upload_limit = limiter.limit(
    lambda: current_app.config["UPLOAD_RATE_LIMIT"], key_func=_account_key, methods=["POST"]
)


def _logo_page(form: FlaskForm, agency) -> str:
    return render_template(
        "dashboard/logo.html", agency=agency, form=form, confirm=ConfirmForm(formdata=None)
    )


def _certifications_page(form: FlaskForm, agency) -> str:
    return render_template("dashboard/certifications.html", agency=agency, form=form)


# endpoint -> (form class, file field, page)
UPLOAD_FORMS = {
    "dashboard.logo": (LogoForm, "logo", _logo_page),
    "dashboard.certifications_page": (CertificationForm, "proof", _certifications_page),
}


def too_large_page():
    """The upload form again, its file field saying the limit (413), or None elsewhere.

    The body was refused unread (``MAX_CONTENT_LENGTH``), so the form starts empty; only the
    agency's members see it, as on the form itself.
    """
    found = UPLOAD_FORMS.get(request.endpoint or "")
    if found is None or not current_user.is_authenticated:
        return None
    form_class, field, page = found
    try:
        agency = member_agency((request.view_args or {}).get("slug", ""))
    except HTTPException:  # not a member: the plain 413 page, as for anyone
        return None
    form = form_class(formdata=None)
    getattr(form, field).errors = [_("The file is larger than 5 MB.")]
    return page(form, agency), 413


@bp.record_once
def _register(state) -> None:
    state.app.extensions.setdefault("too_large_pages", []).append(too_large_page)
