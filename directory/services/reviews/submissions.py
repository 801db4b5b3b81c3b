"""Collecting reviews: invite a client, take a review, verify it, and store it (replacing the
address's earlier one). Moderation, responses and reports: ``moderation``.

Every write commits here and refreshes the agency's rating aggregates when what counts changes
(the search outbox hook re-indexes the agency in the same transaction). Mail goes out after
the commit. Only hashes of emailed tokens are stored; each token works once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError

from ...db import db, today, utcnow
from ...mail import send_mail
from ...models import (
    Agency,
    Review,
    ReviewInvitation,
    ReviewReport,
    ReviewSubmission,
    User,
)
from ...models.review import CONTENT_FIELDS, SECTIONS
from ..accounts import external_url, normalize_email
from ..audit import record
from .ratings import refresh_rating

INVITATION_LIFETIME = dt.timedelta(days=30)
SUBMISSION_LIFETIME = dt.timedelta(days=7)
TOKEN_MAX = 100


class ReviewError(Exception):
    """A review action that cannot be done; the message is shown to the user."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def joined_body(content: dict) -> str:
    """The guided sections as one plain text (what imported reviews, widget and search read)."""
    return "\n\n".join(content[name] for name in SECTIONS if content.get(name))


# --- invitations ------------------------------------------------------------------------------


def invite_client(agency: Agency, inviter: User, lang: str, **client) -> ReviewInvitation:
    """Mail a declared client a 30-day, single-use link to review ``agency``."""
    token, token_hash = _new_token()
    invitation = ReviewInvitation(
        agency_id=agency.id,
        token_hash=token_hash,
        client_name=client["client_name"],
        client_company=client["client_company"],
        client_email=normalize_email(client["client_email"]),
        project=client["project"],
        invited_by_id=inviter.id,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    record(
        "review.invited",
        actor=inviter,
        agency_id=agency.id,
        target=f"email:{invitation.client_email}"[:120],
    )
    db.session.commit()
    link = external_url("reviews.write_invited", slug=agency.slug, token=token, lang=lang)
    with force_locale(lang):
        send_mail(
            invitation.client_email,
            _("%(agency)s asks for your review", agency=agency.name),
            render_template(
                "reviews/email/invitation.txt",
                agency=agency,
                invitation=invitation,
                link=link,
                days=INVITATION_LIFETIME.days,
            ),
        )
    return invitation


def open_invitation(agency: Agency, token: str) -> tuple[ReviewInvitation | None, str | None]:
    """The usable invitation to review ``agency`` for this token, or (None, why not).

    Why not: "unknown" (no such token, or it is another agency's), "used" or "expired".
    """
    if not token or len(token) > TOKEN_MAX:
        return None, "unknown"
    invitation = db.session.scalar(
        select(ReviewInvitation).where(ReviewInvitation.token_hash == _hash(token))
    )
    if invitation is None or invitation.agency_id != agency.id:
        return None, "unknown"
    if invitation.used_at is not None:
        return None, "used"
    if not invitation.is_usable(utcnow()):
        return None, "expired"
    return invitation, None


def invitations_of(agency: Agency, limit: int = 50) -> list[ReviewInvitation]:
    """The agency's latest invitations, newest first."""
    return list(
        db.session.scalars(
            select(ReviewInvitation)
            .where(ReviewInvitation.agency_id == agency.id)
            .order_by(ReviewInvitation.created_at.desc(), ReviewInvitation.id.desc())
            .limit(limit)
        )
    )


# --- collecting -------------------------------------------------------------------------------


def submit_review(agency: Agency, content: dict, email: str, lang: str) -> ReviewSubmission:
    """Keep an open-form review aside and mail its author the link that verifies it."""
    token, token_hash = _new_token()
    submission = ReviewSubmission(
        agency_id=agency.id,
        author_email=normalize_email(email),
        token_hash=token_hash,
        expires_at=utcnow() + SUBMISSION_LIFETIME,
        **{**content, "lang": lang},
    )
    db.session.add(submission)
    db.session.commit()
    link = external_url("reviews.verify", token=token, lang=lang)
    with force_locale(lang):
        send_mail(
            submission.author_email,
            _("Confirm your review of %(agency)s", agency=agency.name),
            render_template(
                "reviews/email/verify.txt",
                agency=agency,
                submission=submission,
                link=link,
                days=SUBMISSION_LIFETIME.days,
                transparency=external_url("reviews.transparency", lang=lang),
            ),
        )
    return submission


def submit_invited_review(invitation: ReviewInvitation, content: dict, lang: str) -> Review:
    """Store a review written through an invitation: the token proved the client's mailbox."""
    now = utcnow()
    # A conditional update makes the token single-use even under concurrent posts.
    claimed = db.session.execute(
        update(ReviewInvitation)
        .where(ReviewInvitation.id == invitation.id, ReviewInvitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ReviewError(_("This invitation has already been used."))
    agency = invitation.agency
    review = _store_review(
        agency, invitation.client_email, {**content, "lang": lang}, "invitation", now
    )
    db.session.flush()
    invitation.review_id = review.id
    invitation.used_at = now
    refresh_rating(agency)
    db.session.commit()
    return review


def find_submission(token: str) -> ReviewSubmission | None:
    """The unexpired submission this verification token was mailed for, or None."""
    if not token or len(token) > TOKEN_MAX:
        return None
    submission = db.session.scalar(
        select(ReviewSubmission).where(ReviewSubmission.token_hash == _hash(token))
    )
    if submission is None or _aware(submission.expires_at) <= utcnow():
        return None
    return submission


def verify_submission(submission: ReviewSubmission) -> Review:
    """Turn a submission into a checked review (pending moderation), replacing the address's
    earlier review of the agency, in one transaction; the submission's token then stops working.
    """
    try:
        agency, email = submission.agency, submission.author_email
        content = {name: getattr(submission, name) for name in CONTENT_FIELDS}
    except ObjectDeletedError:  # verified meanwhile (this session had already committed)
        db.session.rollback()
        raise ReviewError(_("This link has already been used.")) from None
    for attempt in range(2):
        now = utcnow()
        gone = db.session.execute(
            delete(ReviewSubmission)
            .where(ReviewSubmission.id == submission.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if gone != 1:
            db.session.rollback()
            raise ReviewError(_("This link has already been used."))
        # Older unverified drafts from the same address lose their purpose.
        db.session.execute(
            delete(ReviewSubmission)
            .where(ReviewSubmission.agency_id == agency.id, ReviewSubmission.author_email == email)
            .execution_options(synchronize_session=False)
        )
        review = _store_review(agency, email, content, "email", now)
        try:
            refresh_rating(agency)  # flushes: a concurrent insert for this address fails here
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            continue  # the other review now exists: replace it instead
        return review
    raise AssertionError("unreachable")


def _store_review(agency: Agency, email: str, content: dict, source: str, now) -> Review:
    """Insert the review, or overwrite the address's earlier one (its approval, response and
    reports were about other words, so they go)."""
    review = db.session.scalar(
        select(Review)
        .where(Review.agency_id == agency.id, Review.author_email == email)
        .with_for_update()
    )
    if review is None:
        review = Review(agency_id=agency.id, author_email=email)
        db.session.add(review)
    else:
        db.session.execute(delete(ReviewReport).where(ReviewReport.review_id == review.id))
        record(
            "review.replaced",
            actor=None,
            agency_id=agency.id,
            target=f"review:{review.id}",
            before={"status": review.status, "rating": review.rating},
        )
    for name in CONTENT_FIELDS:
        setattr(review, name, content.get(name))
    review.title = review.title or ""
    review.body = joined_body(content)
    review.source = source
    review.status = "pending"
    review.submitted_on = today()
    review.verified_at = now
    review.moderated_at = None
    review.rejection_reason = None
    review.response = None
    review.response_at = None
    return review


def reviews_of(agency: Agency) -> tuple[list[Review], int]:
    """The agency's published reviews for its dashboard (newest first), and how many wait for
    moderation: agencies never read a review before it is published."""
    published = list(
        db.session.scalars(
            select(Review)
            .where(Review.agency_id == agency.id, Review.status == "approved")
            .order_by(Review.submitted_on.desc(), Review.id.desc())
        )
    )
    waiting = db.session.scalar(
        select(func.count(Review.id)).where(
            Review.agency_id == agency.id, Review.status == "pending"
        )
    )
    return published, waiting
