"""Account pages: sign-up, email verification, sign-in and out, password reset and change."""

from __future__ import annotations

import datetime as dt

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..auth import reset_email_key, safe_next
from ..extensions import limiter
from ..forms.account import (
    ChangePasswordForm,
    ConfirmForm,
    EmailForm,
    LoginForm,
    ResetPasswordForm,
    SignUpForm,
    password_feedback,
)
from ..i18n import localized_blueprint
from ..services import accounts, sessions
from ..services.login_throttle import TooManyAttempts

bp = localized_blueprint("account", __name__, "/account")


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
    """A fresh session for the signed-in user: nothing from before sign-in survives.

    The cookies carry only the token of a new server-side session, which sign-out revokes.
    """
    _clear_session()
    sessions.start_session(user, request.headers.get("User-Agent"), remember=remember)
    lifetime = dt.timedelta(days=current_app.config["SESSION_MAX_DAYS"])
    login_user(user, remember=remember, duration=lifetime)
    session.permanent = remember


def _end_session(everywhere: bool = False) -> None:
    """Revoke this server-side session (or all of the account's) and drop both cookies."""
    if current_user.is_authenticated:
        if everywhere:
            accounts.end_all_sessions(current_user)
        else:
            sessions.revoke_token(current_user.session_token)
    logout_user()
    _clear_session()
    # Flask-Login deletes the remember-me cookie when the session says so; clear() removed it.
    session["_remember"] = "clear"


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """Create an account; the answer is the same whether the address was known or not."""
    form = SignUpForm()
    if form.validate_on_submit():
        accounts.sign_up(form.email.data, form.password.data, form.name.data or None, locale=g.lang)
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
def login():
    """Sign in; a wrong address and a wrong password get the same answer.

    Repeated failures slow down the client that makes them (``login_throttle``), never the
    account for everyone: a per-account limit would let anyone lock an owner out.
    """
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, request.remote_addr)
        except TooManyAttempts as throttled:
            return _throttled(form, throttled.wait)
        if user is not None:
            _start_session(user, bool(form.remember.data))
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
        failed = True
    status = 401 if failed else (422 if form.errors else 200)
    return render_template("account/login.html", form=form, failed=failed), status


def _throttled(form, wait: int):
    """429 with the time to wait: the password was not even checked."""
    message = _(
        "Too many failed attempts from your connection. Try again in %(seconds)d seconds.",
        seconds=wait,
    )
    page = render_template("account/login.html", form=form, failed=False, throttled=message)
    return page, 429, {"Retry-After": str(wait)}


@bp.post("/logout")
def logout():
    """Sign out: revoke this session, so a copied session or remember-me cookie stops working."""
    _end_session()
    flash(_("You are signed out."), "success")
    return redirect(url_for("public.home"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of the account on every device."""
    _end_session(everywhere=True)
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
    owner = accounts.read_token(token, "reset", accounts.RESET_MAX_AGE)
    valid = owner is not None
    form = ResetPasswordForm()
    form.personal_values = (owner.email, owner.name) if owner else ()
    if valid and form.validate_on_submit():
        user = accounts.reset_password(token, form.password.data)
        if user is None:
            abort(400)
        _end_session()
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
        user = current_user._get_current_object()
        current = sessions.find_session(user.session_token)
        if accounts.change_password(user, form.current.data, form.password.data):
            # Every session ended, this one too: this device gets a fresh one (a new id after a
            # change of credentials), the others must sign in with the new password.
            _start_session(user, remember=bool(current and current.remember))
            flash(_("Your password was changed; other devices are signed out."), "success")
            return redirect(url_for("account.settings"))
        form.current.errors.append(_("This is not your current password."))
    return _settings_page(form), 422 if form.errors else 200


def _settings_page(form):
    """The settings page: password form, and the account's live sessions (this one marked)."""
    token = current_user.session_token
    live = [(row, sessions.is_current(row, token)) for row in sessions.live_sessions(current_user)]
    return render_template("account/settings.html", form=form, sessions=live)


@bp.post("/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    """Sign out one device from the sessions list (this device: a plain sign-out)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current = sessions.find_session(current_user.session_token)
    if current is not None and current.id == session_id:
        _end_session()
        flash(_("You are signed out."), "success")
        return redirect(url_for("account.login"))
    if sessions.revoke_session(current_user, session_id):
        flash(_("That device is signed out."), "success")
    else:
        flash(_("That session had already ended."), "info")
    return redirect(url_for("account.settings"))


@bp.post("/password-check")
@limiter.limit("120 per minute")
def password_check():
    """The strength meter's question: would the sign-up and reset forms accept this password?"""
    data = request.get_json(silent=True)
    fields = ("password", "email", "name")
    if not isinstance(data, dict) or not all(isinstance(data.get(k, ""), str) for k in fields):
        return jsonify(error="bad_request"), 400
    password = data.get("password", "")
    if len(password) > 128:
        return jsonify(error="too_long"), 422
    personal = tuple(data.get(k) or "" for k in ("email", "name"))
    if current_user.is_authenticated:
        personal += (current_user.email, current_user.name or "")
    return jsonify(password_feedback(password, tuple(v[:254] for v in personal if v)))
