"""Privacy self-service: the policy, a prospect's export or erasure by email link, and an
account holder's export and deletion (GDPR art. 13, 15, 17, 20)."""

from __future__ import annotations

import json

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..extensions import limiter
from ..forms.account import ConfirmForm
from ..forms.privacy import DeleteAccountForm, PrivacyRequestForm
from ..i18n import localized_blueprint
from ..services import account_privacy
from ..services.leads import privacy as lead_privacy

bp = localized_blueprint("privacy", __name__, "/privacy")


def _request_email_key() -> str:
    """Rate-limit key: the address a request names, so nobody can flood one inbox."""
    return "privacy:" + (request.form.get("email") or "").strip().lower()[:254]


def _download(data: dict, name: str):
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.after_request
def _private(response):
    """Personal data: never stored by browsers or shared caches (the policy page may be)."""
    if request.endpoint != "privacy.policy":
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


@bp.get("")
def policy():
    """What is stored, why, for how long, who receives it, and the visitor's rights."""
    config = current_app.config
    return render_template(
        "privacy/policy.html",
        lead_months=config["LEAD_RETENTION_MONTHS"],
        session_days=config.get("SESSION_MAX_DAYS", 30),
        link_hours=lead_privacy.REQUEST_MAX_AGE // 3600,
        contact=config.get("PRIVACY_CONTACT_EMAIL") or config["MAIL_DEFAULT_SENDER"],
    )


@bp.route("/request", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per day", key_func=_request_email_key, methods=["POST"])
def request_data():
    """A prospect asks for a copy or the erasure of their data; a link confirms the address."""
    form = PrivacyRequestForm()
    if form.validate_on_submit():
        lead_privacy.send_request_link(form.email.data, form.kind.data)
        return render_template(
            "privacy/sent.html",
            email=form.email.data.strip().lower(),
            hours=lead_privacy.REQUEST_MAX_AGE // 3600,
        )
    return render_template("privacy/request.html", form=form), 422 if form.errors else 200


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def confirm(token: str):
    """GET shows a button (mail scanners cannot act); POST downloads the copy or erases."""
    found = lead_privacy.read_request_token(token)
    if found is None:
        return render_template("privacy/confirm.html", valid=False), 400
    email, kind = found
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("privacy/confirm.html", valid=True, email=email, kind=kind), 400
        if kind == "export":
            return _download(lead_privacy.export_prospect(email), "my-data.json")
        deleted = lead_privacy.erase_prospect(email)
        return render_template(
            "privacy/erased.html",
            leads=len(deleted["leads"]),
            reviews=len(deleted["reviews"]),
        )
    return render_template("privacy/confirm.html", valid=True, email=email, kind=kind)


@bp.get("/account/export")
@login_required
def account_export():
    """Download everything held about the signed-in account, as JSON."""
    return _download(account_privacy.export_account(current_user), "my-account.json")


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def account_delete():
    """Delete the signed-in account after the password; an agency's owner must hand over first."""
    form = DeleteAccountForm()
    blocked = account_privacy.deletion_blockers(current_user)
    if blocked is None and form.validate_on_submit():
        refused = account_privacy.delete_account(current_user, form.password.data)
        if refused is None:
            logout_user()
            session.clear()
            g.pop("csrf_token", None)
            flash(_("Your account was deleted."), "success")
            return redirect(url_for("public.home"))
        if refused.reason == "password":
            form.password.errors.append(_("This is not your password."))
        else:
            blocked = refused
    # The page explains a block (200); a deletion attempt that cannot happen is a conflict.
    status = 409 if blocked and request.method == "POST" else (422 if form.errors else 200)
    return render_template("privacy/delete_account.html", form=form, blocked=blocked), status
