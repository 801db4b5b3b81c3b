"""Moderating reviews: approve, reject, delete; the agency's response; visitors' reports; and
deleting what we do not keep (docs/reviews.md). Each write commits and refreshes the agency's
rating aggregates when what counts changes; mail goes out after the commit.
"""

from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from ...db import db, utcnow
from ...mail import send_mail
from ...models import Review, ReviewReport, ReviewSubmission, User
from ..accounts import external_url
from ..audit import record
from .ratings import refresh_rating
from .submissions import ReviewError

REJECTED_KEPT = dt.timedelta(days=365)  # then deleted (kept meanwhile to answer disputes)


# --- decisions -------------------------------------------------------------------------------


def pending_reviews(limit: int = 100) -> list[Review]:
    """Verified reviews waiting for a moderator, oldest first."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.status == "pending")
            .order_by(Review.verified_at, Review.id)
            .limit(limit)
        )
    )


def open_reports(limit: int = 100) -> list[ReviewReport]:
    """Reports nobody has resolved yet, oldest first."""
    return list(
        db.session.scalars(
            select(ReviewReport)
            .where(ReviewReport.resolved_at.is_(None))
            .order_by(ReviewReport.created_at, ReviewReport.id)
            .limit(limit)
        )
    )


def _moderate(review: Review, admin: User, status: str, reason: str | None) -> None:
    before = {"status": review.status}
    review.status = status
    review.moderated_at = utcnow()
    review.rejection_reason = reason
    if status == "rejected":
        # A rejected review no longer stands: its open reports are settled with it.
        db.session.execute(
            update(ReviewReport)
            .where(ReviewReport.review_id == review.id, ReviewReport.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolved_by_id=admin.id)
        )
    refresh_rating(review.agency)
    record(
        f"review.{status}",
        actor=admin,
        agency_id=review.agency_id,
        target=f"review:{review.id}",
        before=before,
        after={"status": status, "reason": reason},
    )
    db.session.commit()


def approve_review(review: Review, admin: User) -> None:
    """Publish a review: it is shown and counts in the agency's rating."""
    _moderate(review, admin, "approved", None)
    _mail_author(review, "approved")


def reject_review(review: Review, admin: User, reason: str) -> None:
    """Refuse (or withdraw) a review; its author receives the reason."""
    _moderate(review, admin, "rejected", reason)
    _mail_author(review, "rejected")


def delete_review(review: Review, admin: User) -> None:
    """Delete a review for good (e.g. at its author's request)."""
    agency = review.agency
    record(
        "review.deleted",
        actor=admin,
        agency_id=agency.id,
        target=f"review:{review.id}",
        before={"status": review.status, "rating": review.rating, "source": review.source},
    )
    db.session.delete(review)
    refresh_rating(agency)
    db.session.commit()


def _mail_author(review: Review, decision: str) -> None:
    if not review.author_email:
        return  # imported reviews have no address
    lang = review.lang or "en"
    agency = review.agency
    with force_locale(lang):
        subject = (
            _("Your review of %(agency)s is published", agency=agency.name)
            if decision == "approved"
            else _("Your review of %(agency)s was not published", agency=agency.name)
        )
        send_mail(
            review.author_email,
            subject,
            render_template(
                f"reviews/email/{decision}.txt",
                review=review,
                agency=agency,
                profile=external_url("public.agency", slug=agency.slug, lang=lang),
                transparency=external_url("reviews.transparency", lang=lang),
            ),
        )


# --- responses and reports --------------------------------------------------------------------


def set_response(review: Review, author: User, text: str) -> None:
    """Write or edit the agency's one public response to a published review."""
    if review.status != "approved":
        raise ReviewError(_("Only published reviews can be answered."))
    action = "review.response_edited" if review.response else "review.responded"
    review.response = text
    review.response_at = utcnow()
    record(action, actor=author, agency_id=review.agency_id, target=f"review:{review.id}")
    db.session.commit()


def report_review(review: Review, reason: str, details: str) -> ReviewReport:
    """Record a visitor's report on a published review, for the moderators' queue."""
    report = ReviewReport(review_id=review.id, reason=reason, details=details or "")
    db.session.add(report)
    db.session.commit()
    return report


def resolve_report(report: ReviewReport, admin: User) -> None:
    """Close a report after looking at it (the review stays as it is)."""
    report.resolved_at = utcnow()
    report.resolved_by_id = admin.id
    record(
        "review.report_dismissed",
        actor=admin,
        agency_id=report.review.agency_id,
        target=f"review:{report.review_id}",
        after={"reason": report.reason},
    )
    db.session.commit()


# --- retention --------------------------------------------------------------------------------


def purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what the transparency page says we do not keep: unverified submissions past their
    link's expiry, and rejected reviews a year after the decision."""
    now = now or utcnow()
    submissions = db.session.execute(
        delete(ReviewSubmission).where(ReviewSubmission.expires_at <= now)
    ).rowcount
    rejected = list(
        db.session.scalars(
            select(Review).where(
                Review.status == "rejected", Review.moderated_at <= now - REJECTED_KEPT
            )
        )
    )
    for review in rejected:
        db.session.delete(review)
    db.session.commit()
    return {"submissions": submissions, "rejected": len(rejected)}
