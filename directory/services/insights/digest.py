"""The monthly digest: last month's figures of each listed agency, to its owners and managers.

One message per person (all their listed agencies in it), in the person's language, with a
one-click unsubscribe link (RFC 8058). ``users.digest_sent_month`` is the re-run guard: a person
is claimed for a month by one conditional UPDATE before the message goes, so running the command
twice, or two workers at once, never sends a month twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select, update

from ...db import db, today
from ...formatting import format_count
from ...i18n import format_rating
from ...mail import send_mail
from ...models import Agency, Membership, User, listed_filter
from ...urls import public_url
from . import queries
from .strength import Strength, describe, strength_of

log = logging.getLogger(__name__)
# The figures of the digest, in the order the message lists them (queries.FIGURES names).
FIGURES = (
    "views",
    "appearances",
    "search_clicks",
    "badge_views",
    "contact_requests",
    "match_proposals",
    "reviews",
    "average_rating",
)


@dataclass
class AgencyDigest:
    """One agency's part of a digest."""

    agency: Agency
    figures: dict[str, float | None]
    strength: Strength


@dataclass
class DigestReport:
    """What a run did (``recipients`` lists the addresses, for ``--dry-run``)."""

    month: str
    sent: int = 0
    failed: int = 0
    recipients: list[str] = field(default_factory=list)


def month_start(month: str) -> dt.date:
    """The first day of a ``YYYY-MM`` month; ValueError when it is not one."""
    start = dt.datetime.strptime(month, "%Y-%m").date()
    if len(month) != 7:
        raise ValueError(month)
    return start


def previous_month(on: dt.date | None = None) -> str:
    """``YYYY-MM`` of the month before ``on`` (default today)."""
    first = (on or today()).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def _month_end(start: dt.date) -> dt.date:
    return (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def recipients(month: str) -> list[User]:
    """Owners and managers of a listed agency who want the digest and have not had ``month``'s."""
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Agency, Agency.id == Membership.agency_id)
        .where(
            listed_filter(),
            Membership.role.in_(("owner", "manager")),
            User.monthly_digest.is_(True),
            User.email_verified_at.is_not(None),
            or_(User.digest_sent_month.is_(None), User.digest_sent_month < month),
        )
        .distinct()
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def _listed_agencies(user: User) -> list[Agency]:
    stmt = (
        select(Agency)
        .join(Membership, Membership.agency_id == Agency.id)
        .where(Membership.user_id == user.id, listed_filter())
        .order_by(Agency.name)
    )
    return list(db.session.scalars(stmt))


def agency_digest(agency: Agency, month: str) -> AgencyDigest:
    """``agency``'s figures for ``month`` (the Performance page's) and its profile strength."""
    end = _month_end(month_start(month))
    period = queries.agency_insights(agency.id, on=end).months[-1]
    figures = {name: period.figures.get(name) for name in FIGURES}
    return AgencyDigest(agency, figures, strength_of(agency))


def _locale(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _rows(figures: dict[str, float | None]) -> list[tuple[str, str]]:
    """(label, value) lines of one agency's figures, in the current language."""
    labels = {
        "views": _("Profile views"),
        "appearances": _("Appearances in search results"),
        "search_clicks": _("Profiles opened from search"),
        "badge_views": _("Badge impressions (at least)"),
        "contact_requests": _("Contact requests"),
        "match_proposals": _("Match proposals"),
        "reviews": _("Reviews published"),
        "average_rating": _("Their average rating"),
    }
    rows = []
    for name in FIGURES:
        value = figures.get(name)
        if name == "average_rating":
            rows.append((labels[name], format_rating(value) if value is not None else "–"))
        else:
            rows.append((labels[name], format_count(int(value or 0))))
    return rows


def render_digest(user: User, month: str, parts: list[AgencyDigest]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``user``'s digest, in the user's language."""
    lang = _locale(user)
    with force_locale(lang):
        context = {
            "user": user,
            "lang": lang,
            "month": format_date(month_start(month), "LLLL y"),
            "sections": [(part, _rows(part.figures)) for part in parts],
            "describe_step": describe,
            "unsubscribe": unsubscribe_url(user, lang),
            "preferences": public_url("digest.preferences", lang=lang),
        }
        subject = _("Your month on the directory: %(month)s", month=context["month"])
        text = render_template("digest/email.txt", **context)
        html = render_template("digest/email.html", **context)
    return subject, text, html


def _claim(user_id: int, month: str) -> bool:
    """Mark ``month`` sent for the user unless it already is; True when this run got it."""
    result = db.session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.digest_sent_month.is_(None), User.digest_sent_month < month),
        )
        .values(digest_sent_month=month)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _send_one(user: User, month: str, report: DigestReport) -> None:
    parts = [agency_digest(agency, month) for agency in _listed_agencies(user)]
    if not parts:
        return
    subject, text, html = render_digest(user, month, parts)
    previous = user.digest_sent_month
    if not _claim(user.id, month):
        return  # another run sent it meanwhile
    link = unsubscribe_url(user, _locale(user))
    headers = {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    try:
        send_mail(user.email, subject, text, html, headers=headers)
    except Exception:  # a mail outage: release the claim so the next run retries
        log.exception("digest to user %s failed", user.id)
        db.session.execute(
            update(User).where(User.id == user.id).values(digest_sent_month=previous)
        )
        db.session.commit()
        report.failed += 1
        return
    report.sent += 1


def send_digests(month: str | None = None, *, dry_run: bool = False) -> DigestReport:
    """Send ``month``'s digest (default: last month) to everyone who should get it and has not."""
    month = month or previous_month()
    month_start(month)  # refuse a malformed month before anything is sent
    report = DigestReport(month)
    people = recipients(month)
    if dry_run:
        report.recipients = [user.email for user in people]
        return report
    if has_request_context():
        for user in people:
            _send_one(user, month, report)
        return report
    base = current_app.config.get("SERVER_NAME_PUBLIC") or "http://localhost:5000"
    with current_app.test_request_context("/", base_url=base):  # for the links in the mails
        for user in people:
            _send_one(user, month, report)
    return report


def send_digests_if_due(on: dt.date | None = None) -> int | None:
    """From the daily jobs: send last month's digests in the first DIGEST_SEND_DAYS of a month."""
    on = on or today()
    if on.day > current_app.config["DIGEST_SEND_DAYS"]:
        return None
    return send_digests(previous_month(on)).sent


# --- unsubscribing ---------------------------------------------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="digest.unsubscribe")


def _fingerprint(user: User) -> str:
    # Tied to the address: a link mailed to a former address does not act for the new one.
    return hashlib.sha256(user.email.lower().encode()).hexdigest()[:16]


def unsubscribe_token(user: User) -> str:
    """A token naming ``user``; no expiry: old digests' links keep working."""
    return _signer().dumps([user.id, _fingerprint(user)])


def unsubscribe_url(user: User, lang: str) -> str:
    """The absolute one-click unsubscribe link of ``user``."""
    return public_url("digest.unsubscribe", lang=lang, token=unsubscribe_token(user))


def user_for_token(token: str) -> User | None:
    """The user a token names, or None when it is forged, altered or outdated."""
    try:
        user_id, fingerprint = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or fingerprint != _fingerprint(user):
        return None
    return user


def set_preferences(user: User, *, monthly_digest: bool, locale: str | None) -> None:
    """Save the user's email preferences."""
    user.monthly_digest = monthly_digest
    if locale is not None:
        user.locale = locale
    db.session.commit()
