"""Profile strength: a 0–100 score and the next steps that would raise it most.

The scoring is pure (``score(facts)``), so it is tested without a database; ``facts_of`` reads
what it needs from an agency. Weights and their reasons are in docs/insights.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from ...db import db, today
from ...models.case_study import CaseStudy

DESCRIPTION_MIN = 300  # characters; the search document keeps the first 500
REVIEWS_TARGET = 5  # RATING_PRIOR_WEIGHT: from five reviews the agency's own ratings weigh most
RENEW_WITHIN_DAYS = 60

# Points per item when fully done; the score is the share of points earned (docs/insights.md).
WEIGHTS = {
    "certification": 20,
    "reviews": 20,
    "services": 10,
    "offices": 10,
    "description": 10,
    "logo": 10,
    "languages": 8,
    "case_study": 7,
    "industries": 5,
}

# Where each step is done: (endpoint, URL fragment).
TARGETS = {
    "certification": ("dashboard.certifications_page", ""),
    "reviews": ("reviews.dashboard", "invite"),
    "services": ("dashboard.edit_profile", "services-0"),
    "offices": ("dashboard.edit_profile", "offices-0-city"),
    "description": ("dashboard.edit_profile", "description"),
    "logo": ("dashboard.logo", ""),
    "languages": ("dashboard.edit_profile", "languages"),
    "case_study": ("dashboard.new_case_study", ""),
    "industries": ("dashboard.edit_profile", "industries-0"),
}


@dataclass(frozen=True)
class ProfileFacts:
    """What the score looks at; ``case_studies`` None leaves that item out (and its points)."""

    has_logo: bool
    description_length: int
    services: int
    languages: int
    industries: int
    offices_with_city: int
    reviews: int
    certification_days_left: int | None  # None: no verified, unexpired certification
    case_studies: int | None = None


@dataclass(frozen=True)
class Step:
    """One thing to do: ``gain`` is how many points of the score it adds."""

    key: str
    gain: int
    endpoint: str
    fragment: str
    count: int = 0  # the number the message needs (days left, reviews missing, characters)


@dataclass(frozen=True)
class Strength:
    """The score (0–100) and the steps still open, the most effective first."""

    score: int
    steps: tuple[Step, ...]

    @property
    def top(self) -> Step | None:
        """The step that adds most."""
        return self.steps[0] if self.steps else None


def _progress(facts: ProfileFacts) -> dict[str, tuple[float, int]]:
    """Each item's completion (0–1) and the number its message shows."""
    days = facts.certification_days_left
    cert = 0.0 if days is None or days <= RENEW_WITHIN_DAYS else 1.0
    reviews = min(facts.reviews, REVIEWS_TARGET) / REVIEWS_TARGET
    items = {
        "certification": (cert, -1 if days is None else days),
        "reviews": (reviews, max(REVIEWS_TARGET - facts.reviews, 0)),
        "services": (float(facts.services > 0), 0),
        "offices": (float(facts.offices_with_city > 0), 0),
        "description": (float(facts.description_length >= DESCRIPTION_MIN), DESCRIPTION_MIN),
        "logo": (float(facts.has_logo), 0),
        "languages": (float(facts.languages > 0), 0),
        "industries": (float(facts.industries > 0), 0),
    }
    if facts.case_studies is not None:
        items["case_study"] = (float(facts.case_studies > 0), 0)
    return items


def score(facts: ProfileFacts) -> Strength:
    """The profile's strength and its open steps, ranked by the points each would add."""
    items = _progress(facts)
    total = sum(WEIGHTS[key] for key in items)
    earned = sum(WEIGHTS[key] * done for key, (done, _n) in items.items())
    steps = []
    for key, (done, count) in items.items():
        if done < 1.0:
            gain = round(100 * WEIGHTS[key] * (1.0 - done) / total)
            endpoint, fragment = TARGETS[key]
            steps.append(Step(key, max(gain, 1), endpoint, fragment, count))
    order = list(WEIGHTS)
    steps.sort(key=lambda s: (-s.gain, order.index(s.key)))
    return Strength(round(100 * earned / total), tuple(steps))


def describe(step: Step) -> str:
    """What to do, in the current language ("Add your logo")."""
    if step.key == "certification":
        if step.count < 0:
            return _("Submit your inbound certification: without it the profile is not listed")
        if step.count == 0:
            return _("Renew your certification: it expires today")
        return ngettext(
            "Renew your certification: it expires in %(num)d day",
            "Renew your certification: it expires in %(num)d days",
            step.count,
        )
    if step.key == "reviews":
        return ngettext(
            "Invite a past client to review you (%(num)d more review to reach five)",
            "Invite past clients to review you (%(num)d more reviews to reach five)",
            step.count,
        )
    if step.key == "description":
        return _(
            "Write a description of at least %(num)d characters: what you do, for whom, how",
            num=step.count,
        )
    texts = {
        "services": _("List the services you offer"),
        "offices": _("Add an office with its city"),
        "logo": _("Add your logo"),
        "languages": _("Add the languages you work in"),
        "case_study": _("Publish a case study"),
        "industries": _("Name the industries you know"),
    }
    return texts[step.key]


def _case_studies(agency_id: int) -> int:
    """Published case studies of the agency (a draft's do not count yet)."""
    return db.session.scalar(
        select(func.count()).select_from(CaseStudy).where(CaseStudy.agency_id == agency_id)
    )


def facts_of(agency, on: dt.date | None = None) -> ProfileFacts:
    """Read the facts of ``agency``'s published profile (drafts do not count)."""
    on = on or today()
    cert = agency.current_certification
    days = (cert.expires_on - on).days if cert and cert.expires_on >= on else None
    return ProfileFacts(
        has_logo=bool(agency.logo),
        description_length=len((agency.description or "").strip()),
        services=len(agency.services),
        languages=len(agency.languages),
        industries=len(agency.industries),
        offices_with_city=sum(1 for office in agency.offices if (office.city or "").strip()),
        reviews=agency.review_count or 0,
        certification_days_left=days,
        case_studies=_case_studies(agency.id),
    )


def strength_of(agency, on: dt.date | None = None) -> Strength:
    """The strength of ``agency``'s published profile."""
    return score(facts_of(agency, on))
