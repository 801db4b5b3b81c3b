"""Get matched: propose the listed agencies that best fit a prospect's brief (docs/leads.md).

Two steps, so a large directory stays fast: SQL keeps the listed agencies offering at least one
requested service and cuts them to ``CANDIDATE_CAP`` by a coarse score (services, location,
languages, tier); Python then scores those candidates on every criterion and keeps the best.
Scoring is a pure function of a ``Brief`` and a ``Profile``, so it is testable without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, exists, func, literal, select

from ...db import db
from ...geo import continent_of, countries_in, country_name, language_name, region_name
from ...models import Agency, AgencyTag, Office, listed_filter
from ...taxonomy import (
    BUDGET_BANDS,
    BUDGET_BOUNDS,
    CLIENT_SIZES,
    INDUSTRIES,
    PRODUCTS,
    SERVICES,
    TIERS,
    label,
)
from ...taxonomy import tier_rank as rank_of_tier

MAX_PROPOSALS = 5
CANDIDATE_CAP = 2_000
CHUNK = 500  # ids per IN (…) list
# Points per criterion; the fit is their sum (out of 100 when every criterion is asked for).
WEIGHTS = {
    "services": 40.0,
    "country": 20.0,
    "region": 10.0,
    "languages": 15.0,
    "industry": 8.0,
    "budget": 7.0,
    "client_size": 5.0,
    "products": 5.0,
}


@dataclass(frozen=True)
class Brief:
    """What the prospect asked for (slugs and ISO codes, already validated)."""

    services: tuple[str, ...]
    country: str | None = None
    region: str | None = None
    languages: tuple[str, ...] = ()
    industry: str | None = None
    budget_band: str | None = None
    company_size: str | None = None
    products: tuple[str, ...] = ()

    @classmethod
    def from_criteria(cls, criteria: dict) -> Brief:
        """Build a brief from the match form's criteria dictionary."""
        return cls(
            services=tuple(criteria.get("services") or ()),
            country=criteria.get("country"),
            region=criteria.get("region"),
            languages=tuple(criteria.get("languages") or ()),
            industry=criteria.get("industry"),
            budget_band=criteria.get("budget_band"),
            company_size=criteria.get("company_size"),
            products=tuple(criteria.get("products") or ()),
        )

    @property
    def world_region(self) -> str | None:
        """The region asked for, or the region of the country asked for."""
        return self.region or (continent_of(self.country) if self.country else None)


@dataclass(frozen=True)
class Profile:
    """What matching needs to know about one agency."""

    id: int
    services: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    client_sizes: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    # (country, city) of each office with a city, in office order: names the matching place.
    cities: tuple[tuple[str, str], ...] = ()
    min_budget_usd: int | None = None
    program: str = "provider"
    tier: str | None = None
    accreditations: int = 0
    bayesian_score: float = 0.0

    @property
    def tier_rank(self) -> int:
        """Elite 5 … provider 0, the directory's ranking policy."""
        return rank_of_tier(self.program, self.tier)


@dataclass
class Fit:
    """How well one agency fits a brief: the score, the tie-breakers, and the reasons."""

    profile: Profile
    score: float
    reasons: list[dict] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple:
        """Best first: fit, then tier, then accreditations, then rating; id keeps it stable."""
        p = self.profile
        return (-round(self.score, 6), -p.tier_rank, -p.accreditations, -p.bayesian_score, p.id)


@dataclass
class Proposal:
    """One proposed agency, in rank order, with the reasons to show."""

    agency: Agency
    fit: Fit

    @property
    def reasons(self) -> list[dict]:
        """Reason codes with parameters (see ``reason_text``)."""
        return self.fit.reasons


def budget_fits(min_budget_usd: int | None, band: str | None) -> bool:
    """The agency's minimum budget is within the prospect's band (its upper bound)."""
    if band not in BUDGET_BOUNDS or min_budget_usd is None:
        return False
    upper = BUDGET_BOUNDS[band][1]
    return upper is None or min_budget_usd <= upper


def _city_in(profile: Profile, countries) -> dict:
    """The first office city among ``countries``, as reason parameters ({} when none)."""
    for country, city in profile.cities:
        if country in countries:
            return {"city": city, "city_country": country}
    return {}


def _location(brief: Brief, profile: Profile) -> tuple[float, dict | None]:
    if brief.country and brief.country in profile.countries:
        reason = {"code": "country", "country": brief.country}
        return WEIGHTS["country"], reason | _city_in(profile, {brief.country})
    region = brief.world_region
    inside = {c for c in profile.countries if continent_of(c) == region} if region else set()
    if inside:
        return WEIGHTS["region"], {"code": "region", "region": region} | _city_in(profile, inside)
    return 0.0, None


def assess(brief: Brief, profile: Profile) -> Fit:
    """Score one agency against a brief and say why (pure: no database, no request)."""
    score, reasons = 0.0, []
    covered = [s for s in brief.services if s in profile.services]
    if brief.services:
        score += WEIGHTS["services"] * len(covered) / len(brief.services)
        reasons.append(
            {
                "code": "services",
                "covered": len(covered),
                "total": len(brief.services),
                "services": covered,
            }
        )
    points, reason = _location(brief, profile)
    score += points
    reasons += [reason] if reason else []
    spoken = [lang for lang in brief.languages if lang in profile.languages]
    if brief.languages:
        score += WEIGHTS["languages"] * len(spoken) / len(brief.languages)
    if spoken:
        reasons.append({"code": "languages", "languages": spoken})
    if brief.industry and brief.industry in profile.industries:
        score += WEIGHTS["industry"]
        reasons.append({"code": "industry", "industry": brief.industry})
    if budget_fits(profile.min_budget_usd, brief.budget_band):
        score += WEIGHTS["budget"]
        reasons.append({"code": "budget", "band": brief.budget_band})
    if brief.company_size and brief.company_size in profile.client_sizes:
        score += WEIGHTS["client_size"]
        reasons.append({"code": "client_size", "size": brief.company_size})
    used = [p for p in brief.products if p in profile.products]
    if brief.products:
        score += WEIGHTS["products"] * len(used) / len(brief.products)
    if used:
        reasons.append({"code": "products", "products": used})
    if profile.program == "partner" and profile.tier in TIERS:
        reasons.append({"code": "tier", "tier": profile.tier})
    if profile.accreditations:
        reasons.append({"code": "accreditations", "count": profile.accreditations})
    return Fit(profile=profile, score=score, reasons=reasons)


def rank(brief: Brief, profiles: Iterable[Profile], limit: int = MAX_PROPOSALS) -> list[Fit]:
    """The ``limit`` best fits, best first (agencies covering no requested service excluded)."""
    wanted = set(brief.services)
    fits = [assess(brief, p) for p in profiles if wanted & p.services]
    fits.sort(key=lambda fit: fit.sort_key)
    return fits[:limit]


def _tier_rank_sql():
    ranks = [(Agency.tier == tier, rank_of_tier("partner", tier)) for tier in TIERS]
    return case((Agency.program != "partner", 0), (Agency.tier.is_(None), 1), *ranks, else_=0)


def _tag_count(kind: str, values: Iterable[str]):
    return (
        select(func.count())
        .where(
            AgencyTag.agency_id == Agency.id,
            AgencyTag.kind == kind,
            AgencyTag.value.in_(list(values)),
        )
        .scalar_subquery()
    )


def candidate_ids(brief: Brief, cap: int = CANDIDATE_CAP) -> list[int]:
    """Listed agencies offering a requested service, the ``cap`` best by a coarse SQL score."""
    if not brief.services:
        return []
    # The agencies offering a requested service, and how many: one pass over the tag index.
    covered = (
        select(AgencyTag.agency_id, func.count().label("n"))
        .where(AgencyTag.kind == "service", AgencyTag.value.in_(list(brief.services)))
        .group_by(AgencyTag.agency_id)
        .subquery()
    )
    coarse = covered.c.n * literal(WEIGHTS["services"] / len(brief.services))
    if brief.country:
        in_country = exists().where(Office.agency_id == Agency.id, Office.country == brief.country)
        coarse += case((in_country, WEIGHTS["country"]), else_=0.0)
    if brief.world_region:
        in_region = exists().where(
            Office.agency_id == Agency.id, Office.country.in_(countries_in(brief.world_region))
        )
        coarse += case((in_region, WEIGHTS["region"]), else_=0.0)
    if brief.languages:
        spoken = _tag_count("language", brief.languages)
        coarse += spoken * literal(WEIGHTS["languages"] / len(brief.languages))
    stmt = (
        select(Agency.id)
        .join(covered, covered.c.agency_id == Agency.id)
        .where(listed_filter())
        .order_by(coarse.desc(), _tier_rank_sql().desc(), Agency.id)
        .limit(cap)
    )
    return list(db.session.scalars(stmt))


def load_profiles(ids: list[int]) -> list[Profile]:
    """Profiles of the given agencies from three lean queries per chunk (no ORM objects)."""
    profiles = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tags: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        rows = db.session.execute(
            select(AgencyTag.agency_id, AgencyTag.kind, AgencyTag.value).where(
                AgencyTag.agency_id.in_(chunk)
            )
        )
        for agency_id, kind, value in rows:
            tags[agency_id][kind].add(value)
        offices: dict[int, set[str]] = defaultdict(set)
        cities: dict[int, list[tuple[str, str]]] = defaultdict(list)
        rows = db.session.execute(
            select(Office.agency_id, Office.country, Office.city)
            .where(Office.agency_id.in_(chunk))
            .order_by(Office.agency_id, Office.position)
        )
        for agency_id, country, city in rows:
            offices[agency_id].add(country)
            if city:
                cities[agency_id].append((country, city))
        rows = db.session.execute(
            select(
                Agency.id, Agency.min_budget_usd, Agency.program, Agency.tier, Agency.bayesian_score
            ).where(Agency.id.in_(chunk))
        )
        for agency_id, min_budget, program, tier, bayesian in rows:
            kinds = tags[agency_id]
            profiles.append(
                Profile(
                    id=agency_id,
                    services=frozenset(kinds["service"]),
                    languages=frozenset(kinds["language"]),
                    industries=frozenset(kinds["industry"]),
                    products=frozenset(kinds["product"]),
                    client_sizes=frozenset(kinds["client_size"]),
                    countries=frozenset(offices[agency_id]),
                    cities=tuple(cities[agency_id]),
                    min_budget_usd=min_budget,
                    program=program,
                    tier=tier,
                    accreditations=len(kinds["accreditation"]),
                    bayesian_score=bayesian or 0.0,
                )
            )
    return profiles


def match_agencies(brief: Brief, limit: int = MAX_PROPOSALS) -> list[Proposal]:
    """Up to ``limit`` listed agencies for the brief, best first, each with its reasons."""
    fits = rank(brief, load_profiles(candidate_ids(brief)), limit)
    if not fits:
        return []
    agencies = {
        a.id: a
        for a in db.session.scalars(
            select(Agency).where(Agency.id.in_([f.profile.id for f in fits]), listed_filter())
        )
    }
    return [Proposal(agencies[f.profile.id], f) for f in fits if f.profile.id in agencies]


def _services_text(reason: dict) -> str:
    # Reasons stored before the services were named (older leads) say only how many.
    names = ", ".join(label(SERVICES, slug) for slug in reason.get("services") or ())
    if not names:
        return ngettext(
            "Covers %(covered)d of %(num)d service",
            "Covers %(covered)d of %(num)d services",
            reason["total"],
            covered=reason["covered"],
        )
    if reason["covered"] == reason["total"]:
        return _("Offers %(services)s", services=names)
    return ngettext(
        "Offers %(services)s (%(covered)d of the %(num)d service asked for)",
        "Offers %(services)s (%(covered)d of the %(num)d services asked for)",
        reason["total"],
        covered=reason["covered"],
        services=names,
    )


def _place_text(reason: dict) -> str:
    if reason["code"] == "country":
        area = country_name(reason["country"])
    else:
        area = region_name(reason["region"])
    city = reason.get("city")
    if not city and reason["code"] == "country":
        return _("Office in %(country)s", country=area)
    if not city:
        return _("Office in %(region)s", region=area)
    if reason["code"] == "country":
        return _("Office in %(city)s, %(country)s", city=city, country=area)
    return _(
        "Office in %(city)s, %(country)s (%(region)s)",
        city=city,
        country=country_name(reason["city_country"]),
        region=area,
    )


def reason_text(reason: dict) -> str:
    """One reason in the current language ("Covers 3 of 3 services", "Office in France")."""
    code = reason.get("code")
    if code == "services":
        return _services_text(reason)
    if code in ("country", "region"):
        return _place_text(reason)
    if code == "languages":
        names = ", ".join(language_name(code) for code in reason["languages"])
        return _("Works in %(languages)s", languages=names)
    if code == "industry":
        return _("Experience in %(industry)s", industry=label(INDUSTRIES, reason["industry"]))
    if code == "budget":
        return _("Fits a budget of %(band)s", band=label(BUDGET_BANDS, reason["band"]))
    if code == "client_size":
        return _("Works with %(size)s", size=label(CLIENT_SIZES, reason["size"]))
    if code == "products":
        names = ", ".join(label(PRODUCTS, slug) for slug in reason["products"])
        return _("Knows %(products)s", products=names)
    if code == "tier":
        return _("%(tier)s partner", tier=label(TIERS, reason["tier"]))
    if code == "accreditations":
        return ngettext("%(num)d accreditation", "%(num)d accreditations", reason["count"])
    return ""
