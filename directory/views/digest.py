"""Email preferences and the monthly digest's unsubscribe link (no sign-in needed for the latter).

The unsubscribe link carries a signed token naming the person. GET only shows a confirmation
page (mail scanners open links); POST unsubscribes, whether from that page or from a mail
client's one-click request (RFC 8058), which cannot carry a CSRF token: the token is the proof.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import csrf
from ..forms.digest import EmailPreferencesForm
from ..i18n import localized_blueprint
from ..services.insights import digest

bp = localized_blueprint("digest", __name__)


@bp.after_request
def _private(response):
    """Personal pages: never stored; the token in the URL never leaves in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/email-preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """The monthly digest on or off, and the language of the emails."""
    form = EmailPreferencesForm()
    if form.validate_on_submit():
        digest.set_preferences(
            current_user, monthly_digest=form.monthly_digest.data, locale=form.locale.data
        )
        flash(_("Your email preferences are saved."), "success")
        return redirect(url_for("digest.preferences"))
    if not form.is_submitted():
        form.monthly_digest.data = current_user.monthly_digest
        form.locale.data = current_user.locale or g.get("lang") or "en"
    status = 422 if form.errors else 200
    return render_template("digest/preferences.html", form=form), status


@bp.route("/digest/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET: ask to confirm; POST: stop the monthly digest of the person the token names."""
    user = digest.user_for_token(token)
    if user is None:
        abort(404)
    if request.method == "POST":
        digest.set_preferences(user, monthly_digest=False, locale=None)
        current_app.logger.info("user %s unsubscribed from the digest", user.id)
        return render_template("digest/unsubscribed.html")
    return render_template("digest/unsubscribe.html", token=token, email=user.email)
