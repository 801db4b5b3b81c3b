"""Reviews: clients write and verify them, visitors report them, agencies invite and respond,
administrators moderate. One localized blueprint; every write goes through services.reviews.

Public forms: ``/<lang>/agencies/<slug>/review`` (open, verified by email) and
``…/review/invited/<token>`` (an agency's invitation). Members: ``/<lang>/dashboard/<slug>/…``
(``member_agency``: 404 for anyone else). Moderators: ``/<lang>/admin/reviews`` (admin only).
"""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from badges import Options

from ..auth import admin_required, member_agency
from ..badge_facts import builder_context_for
from ..db import db, today, utcnow
from ..extensions import limiter
from ..forms.reviews import (
    REPORT_LABELS,
    SECTION_LABELS,
    InviteClientForm,
    RejectReviewForm,
    ReportForm,
    ResponseForm,
    ReviewForm,
)
from ..i18n import localized_blueprint
from ..listings import listed_agency
from ..models import Agency, Review, ReviewReport, listed_filter
from ..services.reviews import moderation
from ..services.reviews import submissions as reviews

bp = localized_blueprint("reviews", __name__)

# Successful submissions per client address, and looser caps on attempts (they send mail).
WRITE_LIMIT = "5/hour;20/day"
WRITE_ATTEMPT_LIMIT = "30/hour"
WRITE_EMAIL_LIMIT = "3/day"
REPORT_LIMIT = "10/hour;30/day"
INVITE_LIMIT = "30/hour;200/day"
ACTION_LIMIT = "60/hour"


def _succeeded(response: Response) -> bool:
    return response.status_code == 303


def _email_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"review-email:{(request.view_args or {}).get('slug', '')}:{email}"


@bp.after_request
def _private(response: Response) -> Response:
    if request.endpoint != "reviews.transparency":
        # Forms carry CSRF tokens, dashboards personal data: no shared cache keeps them.
        response.headers.setdefault("Cache-Control", "private, no-store")
    if request.view_args and "token" in request.view_args:
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the path
    return response


def review_section_label(name: str) -> str:
    """Localized heading of a guided review section (background, challenge…)."""
    return str(SECTION_LABELS.get(name, name))


def review_month(value) -> str:
    """A project's month in the current language ("March 2025", "mars 2025")."""
    return format_date(value, "LLLL yyyy")


def _listed(slug: str) -> Agency:
    agency = listed_agency(slug)
    if agency is None:
        abort(404)
    return agency


def _rendered(template: str, form: FlaskForm, **context):
    context.setdefault("current_month", today().strftime("%Y-%m"))
    return render_template(template, form=form, **context), 422 if form.errors else 200


# --- writing a review --------------------------------------------------------------------------


@bp.route("/agencies/<slug>/review", methods=["GET", "POST"])
@limiter.limit(WRITE_EMAIL_LIMIT, key_func=_email_key, deduct_when=_succeeded, methods=["POST"])
@limiter.limit(WRITE_LIMIT, deduct_when=_succeeded, methods=["POST"])
@limiter.limit(WRITE_ATTEMPT_LIMIT, methods=["POST"])
def write(slug: str):
    """The shareable review form of a listed agency; the author then confirms by email."""
    agency = _listed(slug)
    form = ReviewForm()
    form.offer_services(agency.services)
    if form.validate_on_submit():
        if not form.is_spam():  # robots get the same answer, and nothing is stored or sent
            reviews.submit_review(agency, form.content(), form.email.data, g.lang)
        return redirect(url_for("reviews.sent", slug=agency.slug), 303)
    return _rendered("reviews/write.html", form, agency=agency, invitation=None)


@bp.get("/agencies/<slug>/review/sent")
def sent(slug: str):
    """After the open form: check your inbox."""
    return render_template("reviews/sent.html", agency=_listed(slug))


@bp.route("/agencies/<slug>/review/invited/<token>", methods=["GET", "POST"])
@limiter.limit(WRITE_ATTEMPT_LIMIT, methods=["POST"])
def write_invited(slug: str, token: str):
    """The review form reached through an agency's invitation (the link proves the mailbox)."""
    agency = _listed(slug)
    invitation, problem = reviews.open_invitation(agency, token)
    if invitation is None:
        return _invalid_invitation(agency, problem)
    prefill = {"author_name": invitation.client_name, "author_company": invitation.client_company}
    form = ReviewForm(data=prefill if request.method == "GET" else None)
    del form.email  # the invitation's address is the reviewer's
    form.offer_services(agency.services)
    if form.validate_on_submit():
        if form.is_spam():
            return redirect(url_for("reviews.thanks", slug=agency.slug), 303)
        try:
            reviews.submit_invited_review(invitation, form.content(), g.lang)
        except reviews.ReviewError:
            return _invalid_invitation(agency, "used")
        return redirect(url_for("reviews.thanks", slug=agency.slug), 303)
    return _rendered("reviews/write.html", form, agency=agency, invitation=invitation)


def _invalid_invitation(agency: Agency, problem: str | None):
    status = 404 if problem == "unknown" else 410
    page = render_template("reviews/invitation_invalid.html", agency=agency, problem=problem)
    return page, status


@bp.get("/agencies/<slug>/review/thanks")
def thanks(slug: str):
    """After an invited review: it waits for moderation."""
    return render_template("reviews/thanks.html", agency=_listed(slug), verified=True)


@bp.route("/reviews/verify/<token>", methods=["GET", "POST"])
@limiter.limit(WRITE_ATTEMPT_LIMIT, methods=["POST"])
def verify(token: str):
    """The emailed link: show the review, and a button that confirms it (mail scanners that
    prefetch links do not confirm anything)."""
    submission = reviews.find_submission(token)
    if submission is None:
        return render_template("reviews/verify.html", submission=None), 404
    form = FlaskForm()
    if form.validate_on_submit():
        agency = submission.agency
        try:
            reviews.verify_submission(submission)
        except reviews.ReviewError:
            return render_template("reviews/verify.html", submission=None), 404
        return render_template("reviews/thanks.html", agency=agency, verified=True)
    return render_template("reviews/verify.html", submission=submission, form=form)


# --- reporting and transparency -----------------------------------------------------------------


def _published_review(review_id: int) -> Review:
    review = db.session.scalar(
        select(Review)
        .join(Agency, Agency.id == Review.agency_id)
        .where(Review.id == review_id, Review.status == "approved", listed_filter())
    )
    if review is None:
        abort(404)
    return review


@bp.route("/reviews/<int:review_id>/report", methods=["GET", "POST"])
@limiter.limit(REPORT_LIMIT, deduct_when=_succeeded, methods=["POST"])
@limiter.limit(WRITE_ATTEMPT_LIMIT, methods=["POST"])
def report(review_id: int):
    """Tell the moderators that a published review breaks the rules."""
    review = _published_review(review_id)
    form = ReportForm()
    if form.validate_on_submit():
        if not form.is_spam():
            moderation.report_review(review, form.reason.data, form.details.data)
        flash(_("Thank you: a moderator will look at this review."), "success")
        return redirect(url_for("public.agency", slug=review.agency.slug) + "#reviews", 303)
    return _rendered("reviews/report.html", form, review=review, agency=review.agency)


@bp.get("/reviews/transparency")
def transparency():
    """How reviews are collected, verified, moderated and kept (Code de la consommation,
    art. L. 111-7-2 and D. 111-16 ff.; Omnibus directive)."""
    return render_template(
        "reviews/transparency.html",
        invitation_days=reviews.INVITATION_LIFETIME.days,
        submission_days=reviews.SUBMISSION_LIFETIME.days,
    )


# --- agency dashboard ---------------------------------------------------------------------------


@bp.get("/dashboard/<slug>/reviews")
@login_required
def dashboard(slug: str):
    """The agency's reviews, its invitations, and the form that invites a client."""
    agency = member_agency(slug)
    return _dashboard(agency, InviteClientForm())


def _dashboard(agency: Agency, form: InviteClientForm):
    published, waiting = reviews.reviews_of(agency)
    return _rendered(
        "reviews/dashboard.html",
        form,
        agency=agency,
        reviews=published,
        waiting=waiting,
        invitations=reviews.invitations_of(agency),
        listed=agency.is_listed(),
        now=utcnow(),
    )


@bp.post("/dashboard/<slug>/reviews/invite")
@login_required
@limiter.limit(INVITE_LIMIT)
def invite(slug: str):
    """Email a declared client a single-use link to review the agency."""
    agency = member_agency(slug)
    form = InviteClientForm()
    if not agency.is_listed():
        flash(_("Your agency must be listed before it can collect reviews."), "error")
        return redirect(url_for("reviews.dashboard", slug=agency.slug), 303)
    if form.validate_on_submit():
        reviews.invite_client(agency, current_user, g.lang, **_client(form))
        flash(_("Invitation sent to %(email)s.", email=form.client_email.data), "success")
        return redirect(url_for("reviews.dashboard", slug=agency.slug), 303)
    return _dashboard(agency, form)


def _client(form: InviteClientForm) -> dict:
    names = ("client_name", "client_company", "client_email", "project")
    return {name: form[name].data for name in names}


@bp.route("/dashboard/<slug>/reviews/<int:review_id>/response", methods=["GET", "POST"])
@login_required
@limiter.limit(ACTION_LIMIT, methods=["POST"])
def respond(slug: str, review_id: int):
    """Write or edit the agency's one public response to a published review."""
    agency = member_agency(slug)
    review = db.session.get(Review, review_id)
    if review is None or review.agency_id != agency.id or review.status != "approved":
        abort(404)
    form = ResponseForm(data={"response": review.response} if request.method == "GET" else None)
    if form.validate_on_submit():
        moderation.set_response(review, current_user, form.response.data)
        flash(_("Your response is published under the review."), "success")
        return redirect(url_for("reviews.dashboard", slug=agency.slug), 303)
    return _rendered("reviews/respond.html", form, agency=agency, review=review)


@bp.get("/dashboard/<slug>/badge")
@login_required
def badge_builder(slug: str):
    """Pick a badge variant, preview it, and copy the HTML to paste on the agency's site."""
    agency = member_agency(slug)
    args = request.args.to_dict()
    # The snippet starts in the interface's language; the form's own choice wins.
    args.setdefault("lang", get_locale().language)
    builder = builder_context_for(
        agency.slug,
        Options.parse(args),
        fmt=args.get("format", "svg"),
        factor=2 if args.get("scale") == "2" else 1,
    )
    return render_template(
        "reviews/badge_builder.html", agency=agency, builder=builder, listed=agency.is_listed()
    )


# --- moderation ---------------------------------------------------------------------------------


@bp.get("/admin/reviews")
@admin_required
def admin_queue():
    """Verified reviews waiting for a decision, and open reports on published ones."""
    return render_template(
        "reviews/admin_queue.html",
        pending=moderation.pending_reviews(),
        reports=moderation.open_reports(),
        report_labels=REPORT_LABELS,
        reject_form=RejectReviewForm(formdata=None),
    )


def _review(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    return review


def _back_to_queue(message: str):
    flash(message, "success")
    return redirect(url_for("reviews.admin_queue"), 303)


@bp.post("/admin/reviews/<int:review_id>/approve")
@admin_required
def approve(review_id: int):
    """Publish a review."""
    review = _review(review_id)
    moderation.approve_review(review, current_user)
    return _back_to_queue(_("Review published."))


@bp.post("/admin/reviews/<int:review_id>/reject")
@admin_required
def reject(review_id: int):
    """Reject (or withdraw) a review; the reason is emailed to its author."""
    review = _review(review_id)
    form = RejectReviewForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the rejection: it is sent to the reviewer."), "error")
        return redirect(url_for("reviews.admin_queue") + f"#review-{review.id}", 303)
    moderation.reject_review(review, current_user, form.reason.data)
    return _back_to_queue(_("Review rejected; the reviewer was told why."))


@bp.post("/admin/reviews/<int:review_id>/delete")
@admin_required
def delete(review_id: int):
    """Delete a review for good (e.g. at its author's request)."""
    moderation.delete_review(_review(review_id), current_user)
    return _back_to_queue(_("Review deleted."))


@bp.post("/admin/reviews/reports/<int:report_id>/dismiss")
@admin_required
def dismiss_report(report_id: int):
    """Close a report: the review stays published."""
    found = db.session.get(ReviewReport, report_id)
    if found is None:
        abort(404)
    moderation.resolve_report(found, current_user)
    return _back_to_queue(_("Report closed; the review stays published."))
