"""Compare: up to four listed agencies side by side, from a shareable URL (no account, no cookie).

The shortlist lives in the address (``?a=slug&a=slug`` or ``?agencies=slug,slug``), so the page is
a public, cacheable GET that works without JavaScript; ``static/js/compare.js`` keeps a copy in
local storage for the "Add to compare" toggles and the tray (docs/public.md, Compare).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import taxonomy
from ..db import db
from ..formatting import format_usd
from ..geo import country_name, language_name
from ..i18n import localized_blueprint
from ..models import Agency, listed_filter
from ..validators import SLUG_RE

bp = localized_blueprint("compare", __name__)

MAX_COMPARED = 4
# Values read from the address at most: a hostile URL with thousands of slugs costs nothing.
MAX_REQUESTED = 20
# The search and profile pages' "Add to compare" links carry the current list in this argument.
CARRY_ARG = "compare"
_TOGGLE_SEEN = "directory.compare_toggle_seen"


@dataclass
class Shortlist:
    """The agencies to show, and how many asked for were left out (unknown, or past four)."""

    agencies: list[Agency] = field(default_factory=list)
    unknown: int = 0
    dropped: int = 0

    @property
    def slugs(self) -> list[str]:
        """Slugs of the agencies shown, in the order asked."""
        return [agency.slug for agency in self.agencies]


def requested_slugs(args) -> list[str]:
    """Distinct values of ``a`` and ``agencies`` (comma-separated), in order, lower-cased."""
    raw = list(args.getlist("a")[:MAX_REQUESTED])
    for value in args.getlist("agencies")[:MAX_REQUESTED]:
        raw += value.split(",", MAX_REQUESTED)[:MAX_REQUESTED]
    cleaned = (value.strip().lower()[:100] for value in raw[:MAX_REQUESTED])
    return list(dict.fromkeys(value for value in cleaned if value))


def load_shortlist(slugs: list[str]) -> Shortlist:
    """The listed agencies among ``slugs`` (the first ``MAX_COMPARED``), in the order asked."""
    valid = [slug for slug in slugs if SLUG_RE.fullmatch(slug)]
    found = {}
    if valid:
        rows = db.session.scalars(select(Agency).where(Agency.slug.in_(valid), listed_filter()))
        found = {agency.slug: agency for agency in rows}
    listed = [found[slug] for slug in slugs if slug in found]
    return Shortlist(
        agencies=listed[:MAX_COMPARED],
        unknown=len(slugs) - len(listed),
        dropped=max(0, len(listed) - MAX_COMPARED),
    )


def carried_shortlist() -> list[str]:
    """The shortlist a page's "Add to compare" links carry (from ``?compare=``), no JavaScript."""
    if not request:
        return []
    value = request.args.get(CARRY_ARG, "")[: 81 * MAX_COMPARED]
    slugs = (slug.strip().lower() for slug in value.split(",", MAX_COMPARED)[:MAX_COMPARED])
    return list(dict.fromkeys(slug for slug in slugs if SLUG_RE.fullmatch(slug)))


def compare_url(slugs: list[str], add: str | None = None, remove: str | None = None) -> str:
    """The comparison page for ``slugs``, with one slug added or removed."""
    chosen = [slug for slug in slugs if slug != remove]
    if add and add not in chosen:
        chosen.append(add)
    return url_for("compare.agencies", a=chosen) if chosen else url_for("compare.agencies")


def _hourly_rate(agency: Agency) -> str:
    low, high = agency.hourly_rate_low_usd, agency.hourly_rate_high_usd
    if low is None:
        return ""
    if high and high != low:
        return _("%(low)s to %(high)s per hour", low=format_usd(low), high=format_usd(high))
    return _("%(rate)s per hour", rate=format_usd(low))


def _office_text(agency: Agency, office) -> str:
    place = ", ".join(part for part in (office.city, country_name(office.country)) if part)
    if office is agency.headquarters and len(agency.offices) > 1:
        return _("%(place)s (headquarters)", place=place)
    return place


def agency_facts(agency: Agency) -> dict:
    """The comparable facts of one agency as localized text ("" or [] when not stated)."""
    return {
        "services": [taxonomy.label(taxonomy.SERVICES, s) for s in agency.services],
        "industries": [taxonomy.label(taxonomy.INDUSTRIES, s) for s in agency.industries],
        "budget": format_usd(agency.min_budget_usd),
        "hourly_rate": _hourly_rate(agency),
        "team_size": taxonomy.label(taxonomy.TEAM_SIZES, agency.team_size),
        "languages": [language_name(code) for code in agency.languages],
        "offices": [_office_text(agency, office) for office in agency.offices],
    }


@bp.app_template_global()
def compare_link(slug: str) -> str:
    """The no-JavaScript "Add to compare" target: the page's carried shortlist plus ``slug``."""
    return compare_url(carried_shortlist(), add=slug)


@bp.app_template_global()
def compare_first_toggle() -> bool:
    """True for the page's first "Add to compare" toggle (it carries the tray's words)."""
    # Kept in the WSGI environ, not ``g``: ``g`` can outlive a request (directory/views/public.py).
    if not request:
        return False
    seen = request.environ.get(_TOGGLE_SEEN, False)
    request.environ[_TOGGLE_SEEN] = True
    return not seen


@bp.app_context_processor
def _compare_limit() -> dict:
    return {"compare_max": MAX_COMPARED}


@bp.get("/compare")
def agencies():
    """The comparison table (or how to build a shortlist, when it is empty)."""
    shortlist = load_shortlist(requested_slugs(request.args))
    slugs = shortlist.slugs
    return render_template(
        "public/compare.html",
        shortlist=shortlist,
        facts={agency.slug: agency_facts(agency) for agency in shortlist.agencies},
        slugs=slugs,
        max_compared=MAX_COMPARED,
        remove_urls={slug: compare_url(slugs, remove=slug) for slug in slugs},
        search_url=url_for("search.results", **({CARRY_ARG: ",".join(slugs)} if slugs else {})),
    )
