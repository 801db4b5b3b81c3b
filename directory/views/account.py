"""Account pages: sign-up, email verification, sign-in and out, password reset and change."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..auth import login_email_key, reset_email_key, safe_next
from ..extensions import limiter
from ..forms.account import ChangePasswordForm, EmailForm, LoginForm, ResetPasswordForm, SignUpForm
from ..i18n import localized_blueprint
from ..services import accounts

bp = localized_blueprint("account", __name__, "/account")

REMEMBER_FOR = dt.timedelta(days=30)  # the remember-me cookie; never longer


@bp.after_request
def _private(response):
    """Personal pages: never stored by browsers or shared caches (ASVS 8.2.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def _clear_session() -> None:
    """Empty the session, including the CSRF secret (and its copy cached on ``g``)."""
    session.clear()
    g.pop("csrf_token", None)


def _start_session(user, remember: bool) -> None:
    """A fresh session for the signed-in user: nothing from before sign-in survives."""
    _clear_session()
    login_user(user, remember=remember, duration=REMEMBER_FOR)
    session.permanent = remember


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """Create an account; the answer is the same whether the address was known or not."""
    form = SignUpForm()
    if form.validate_on_submit():
        accounts.sign_up(form.email.data, form.password.data, form.name.data or None)
        return render_template("account/check_email.html", message=_sent_message())
    return render_template("account/signup.html", form=form), 422 if form.errors else 200


def _sent_message() -> str:
    return _(
        "We sent a message to this address. Follow its link to confirm your address "
        "(if the address already has an account, the message says how to sign in)."
    )


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm an address; GET shows a button so mail scanners cannot use up the link."""
    if request.method == "POST":
        user = accounts.verify_email(token)
        if user is None:
            return render_template("account/verify.html", valid=False), 400
        flash(_("Your email address is confirmed."), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("dashboard.index"))
        return redirect(url_for("account.login"))
    valid = accounts.read_token(token, "verify", accounts.VERIFY_MAX_AGE) is not None
    return render_template("account/verify.html", valid=valid), 200 if valid else 400


@bp.post("/verify/resend")
@login_required
@limiter.limit("5 per hour", methods=["POST"])
def resend_verification():
    """Send the verification link again."""
    if current_user.email_verified_at is None:
        accounts.send_verification(current_user)
    flash(_("We sent you a new link."), "success")
    return redirect(url_for("account.settings"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("10 per minute;50 per day", key_func=login_email_key, methods=["POST"])
def login():
    """Sign in; a wrong address and a wrong password get the same answer."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, bool(form.remember.data))
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
        failed = True
    status = 401 if failed else (422 if form.errors else 200)
    return render_template("account/login.html", form=form, failed=failed), status


@bp.post("/logout")
def logout():
    """Sign out: forget the user and the whole session, including the remember-me cookie."""
    logout_user()
    _clear_session()
    flash(_("You are signed out."), "success")
    return redirect(url_for("public.home"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of the account on every device."""
    accounts.end_all_sessions(current_user)
    logout_user()
    _clear_session()
    flash(_("You are signed out on every device."), "success")
    return redirect(url_for("account.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("5 per hour", key_func=reset_email_key, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer does not say whether the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        message = _("If an account uses this address, we sent it a link to choose a new password.")
        return render_template("account/check_email.html", message=message)
    return render_template("account/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):
    """Choose a new password from a link; every session of the account ends."""
    valid = accounts.read_token(token, "reset", accounts.RESET_MAX_AGE) is not None
    form = ResetPasswordForm()
    if valid and form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        if user is None:
            abort(400)
        logout_user()
        _clear_session()
        flash(_("Your password was changed. Sign in with the new one."), "success")
        return redirect(url_for("account.login"))
    status = 400 if not valid else (422 if form.errors else 200)
    return render_template("account/reset.html", form=form, valid=valid), status


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Change the password (which signs out other devices) or sign out everywhere."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if accounts.change_password(current_user, form.current.data, form.password.data):
            # The bump ended this session too: start a fresh one for this device only.
            _start_session(current_user._get_current_object(), remember=False)
            flash(_("Your password was changed; other devices are signed out."), "success")
            return redirect(url_for("account.settings"))
        form.current.errors.append(_("This is not your current password."))
    return render_template("account/settings.html", form=form), 422 if form.errors else 200
