"""What the search templates show, built from the parsed request and the backend's answer.

Pure presentation: URLs for every state (chips, facets, pages), localized facet labels,
result cards with sanitized highlights, canonical/robots rules and the empty-state probes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import nh3
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from werkzeug.datastructures import MultiDict

from .. import geo, taxonomy
from ..db import db, today
from ..i18n import format_rating
from ..models import Agency, AgencyTag, Office, listed_filter
from ..search.base import DEFAULT_PER_PAGE, FACETS, SearchHit, SearchResult
from ..search.params import MIN_RATINGS, SearchParams, city_name, format_rating_param

FACET_LEGENDS = {
    "world_region": _l("Region of the world"),
    "country": _l("Country"),
    "city": _l("City"),
    "category": _l("Category"),
    "service": _l("Service"),
    "industry": _l("Industry"),
    "language": _l("Language"),
    "program": _l("Program"),
    "tier": _l("Partner tier"),
    "accreditation": _l("Accreditation"),
    "product": _l("Product expertise"),
    "client_size": _l("Client size"),
    "budget_band": _l("Minimum budget"),
}
SORT_LABELS = {
    "relevance": _l("Best match"),
    "rating": _l("Highest rated"),
    "reviews": _l("Most reviews"),
    "name": _l("Name (A–Z)"),
    "newest": _l("Newest"),
    "distance": _l("Nearest"),
}
# Closed, ordered vocabularies keep their own order; open ones are ordered by count.
VOCABULARIES = {
    "category": taxonomy.CATEGORIES,
    "service": taxonomy.SERVICES,
    "industry": taxonomy.INDUSTRIES,
    "program": taxonomy.PROGRAMS,
    "tier": taxonomy.TIERS,
    "accreditation": taxonomy.ACCREDITATIONS,
    "product": taxonomy.PRODUCTS,
    "client_size": taxonomy.CLIENT_SIZES,
    "budget_band": taxonomy.BUDGET_BANDS,
}
_ORDERED = {"world_region", "program", "tier", "client_size", "budget_band"}
VISIBLE_OPTIONS = 8
# Beyond this many filter values (or with a place, rating or sort), a state is not indexed.
INDEXABLE_FILTER_VALUES = 2
MONOGRAM_COLOURS = 6  # the palette of site.css (.monogram--0…5)


def facet_value_label(facet: str, value: str) -> str:
    """The localized label of one facet value."""
    if facet == "world_region":
        return geo.region_name(value)
    if facet == "country":
        return geo.country_name(value)
    if facet == "language":
        return geo.language_name(value)
    if facet in VOCABULARIES:
        return taxonomy.label(VOCABULARIES[facet], value)
    if facet == "city":
        return city_name(value)
    return value


# --- URLs --------------------------------------------------------------------------------------


def state_url(args: MultiDict, *, external: bool = False) -> str:
    """The URL of a search state: a service landing page when the state is exactly one.

    One service (and at most one country), nothing else but page/sort/per_page → the landing
    page, so pagination on a landing page stays there and ``/search?service=seo`` has one
    canonical address.
    """
    services = args.getlist("service")
    countries = args.getlist("country")
    others = set(args) - {"service", "country", "page", "sort", "per_page"}
    extra = {k: args.getlist(k) for k in ("sort", "per_page", "page") if k in args}
    if len(services) == 1 and len(countries) <= 1 and not others:
        if countries:
            endpoint, values = "search.service_country_landing", {"country": countries[0].lower()}
        else:
            endpoint, values = "search.service_landing", {}
        values["service"] = services[0]
    else:
        endpoint, values, extra = "search.results", {}, args.to_dict(flat=False)
    if external:
        base = current_app.config.get("SERVER_NAME_PUBLIC")
        if base:
            return base.rstrip("/") + url_for(endpoint, **values, **extra)
        return url_for(endpoint, _external=True, **values, **extra)
    return url_for(endpoint, **values, **extra)


def is_indexable(params: SearchParams, result: SearchResult) -> bool:
    """Whether crawlers should index this state: a few filters, no words, default presentation."""
    q = params.query
    values = sum(len(v) for v in q.filters.values())
    return (
        result.total > 0
        and q.page <= result.pages
        and values <= INDEXABLE_FILTER_VALUES
        and not q.text  # free-text result pages are thin content; landing pages index
        and q.min_rating is None
        and q.near is None
        and q.sort == "relevance"
        and q.per_page == DEFAULT_PER_PAGE
        and not params.dropped
    )


# --- Page model ------------------------------------------------------------


@dataclass
class Option:
    """One facet checkbox."""

    value: str
    label: str
    count: int
    checked: bool
    id: str


@dataclass
class FacetGroup:
    """One fieldset of the sidebar."""

    name: str
    legend: str
    options: list[Option]
    more: list[Option]


@dataclass
class Chip:
    """An active filter, as a link that removes it."""

    label: str
    url: str


@dataclass
class Card:
    """One result."""

    agency: AgencyRow
    rank: int
    url: str | None
    name: Markup
    tagline: Markup
    services: list[str]
    location: str
    distance_km: float | None
    monogram: str
    colour: int


@dataclass
class Page:
    """Everything the results template needs."""

    params: SearchParams
    result: SearchResult
    cards: list[Card]
    facets: list[FacetGroup]
    chips: list[Chip]
    clear_url: str
    ratings: list[tuple[str, str, int | None, bool]]
    sorts: list[tuple[str, str, bool]]
    pages: list[tuple[int | None, str | None]]
    prev_url: str | None
    next_url: str | None
    last_url: str
    canonical: str
    indexable: bool
    form_action: str
    hidden: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class HQ:
    """The headquarters office of a hit: what a card or the API shows."""

    city: str | None
    country: str


@dataclass(slots=True)
class AgencyRow:
    """The columns a result card and the API read, loaded without the ORM's relationship cascade.

    Attribute names match ``Agency`` so templates and macros take either.
    """

    id: int
    slug: str
    name: str
    tagline: str | None
    program: str
    tier: str | None
    rating_avg: float | None
    review_count: int
    logo: dict | None
    headquarters: HQ | None = None
    services: list[str] = field(default_factory=list)

    @property
    def logo_url(self):
        """Logo URL (128 px) as a string, callable for a size (see ``services.uploads``)."""
        from ..services.uploads import LogoURL

        return LogoURL(self.logo)

    @property
    def is_partner(self) -> bool:
        """Whether the agency is in the solutions partner program."""
        return self.program == "partner"

    @property
    def tier_rank(self) -> int:
        """Rank used by the ranking policy (Elite 5 … provider 0)."""
        return taxonomy.tier_rank(self.program, self.tier)


_ROW_COLUMNS = (
    Agency.id,
    Agency.slug,
    Agency.name,
    Agency.tagline,
    Agency.program,
    Agency.tier,
    Agency.rating_avg,
    Agency.review_count,
    Agency.logo,
)


@functools.lru_cache(maxsize=8)
def _rows_statement(on: dt.date, dialect: str):
    """The one statement of ``load_agencies``, built once per day and dialect.

    Per listed agency: the card's columns, its headquarters (the marked one, else the first
    office) and its service slugs in profile order joined by spaces (slugs have none).
    """
    headquarters = (
        select(Office.id)
        .where(Office.agency_id == Agency.id)
        .order_by(Office.is_headquarters.desc(), Office.position, Office.id)
        .limit(1)
        .correlate(Agency)
        .scalar_subquery()
    )
    service = (AgencyTag.agency_id == Agency.id) & (AgencyTag.kind == "service")
    if dialect == "postgresql":
        joined = func.string_agg(AgencyTag.value, aggregate_order_by(" ", AgencyTag.position))
        services = select(joined).where(service).correlate(Agency).scalar_subquery()
    else:  # SQLite concatenates in the order of the (ordered) subquery it reads
        ordered = (
            select(AgencyTag.value)
            .where(service)
            .order_by(AgencyTag.position)
            .correlate(Agency)
            .subquery()
        )
        services = select(func.group_concat(ordered.c.value, " ")).scalar_subquery()
    return (
        select(*_ROW_COLUMNS, Office.city, Office.country, services)
        .outerjoin(Office, Office.id == headquarters)
        .where(Agency.id.in_(bindparam("ids", expanding=True)), listed_filter(on))
    )


def load_agencies(hits: Iterable[SearchHit]) -> dict[int, AgencyRow]:
    """The listed agencies of ``hits`` (a stale index never shows an unlisted one).

    One Core query (the agencies' columns under the listing rule, with their headquarters and
    services as correlated subqueries), no ORM entities: a page of 20 hits costs well under a
    millisecond.
    """
    ids = [hit.id for hit in hits]
    if not ids:
        return {}
    conn = db.session.connection()  # Core: no ORM execution context for plain rows
    stmt = _rows_statement(today(), conn.dialect.name)
    agencies = {}
    for *columns, city, country, services in conn.execute(stmt, {"ids": ids}):
        agency = AgencyRow(*columns)
        if country is not None:
            agency.headquarters = HQ(city, country)
        if services:
            agency.services = services.split(" ")
        agencies[agency.id] = agency
    return agencies


def build_page(params: SearchParams, result: SearchResult, agencies: dict[int, AgencyRow]) -> Page:
    """Assemble the page model for the results template."""
    q = params.query
    prev_url = state_url(params.to_args(page=q.page - 1)) if q.page > 1 else None
    next_url = state_url(params.to_args(page=q.page + 1)) if q.page < result.pages else None
    return Page(
        params=params,
        result=result,
        cards=_cards(result.hits, agencies, q.offset, q.filters.get("service", ())),
        facets=_facet_groups(params, result),
        chips=_chips(params),
        clear_url=url_for("search.results", **({"q": q.text} if q.text else {})),
        ratings=_rating_options(params, result),
        sorts=[
            (name, str(label), name == q.sort)
            for name, label in SORT_LABELS.items()
            if name != "distance" or q.near
        ],
        pages=_pagination(params, result.pages),
        prev_url=prev_url,
        next_url=next_url,
        last_url=state_url(params.to_args(page=result.pages)),
        canonical=state_url(
            params.to_args(sort="relevance", per_page=DEFAULT_PER_PAGE), external=True
        ),
        indexable=is_indexable(params, result),
        form_action=url_for("search.results"),
        hidden=[("per_page", str(q.per_page))] if q.per_page != DEFAULT_PER_PAGE else [],
    )


def item_list_ld(name: str, page: Page) -> dict:
    """schema.org ItemList of the agencies shown on a landing page, in rank order."""
    from ..seo import public_url

    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": name,
        "numberOfItems": page.result.total,
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": card.rank,
                "name": card.agency.name,
                "url": public_url("public.agency", slug=card.agency.slug),
            }
            for card in page.cards
            if card.url
        ],
    }


def _top_services(services: list[str], wanted: tuple[str, ...], limit: int = 3) -> list[str]:
    """The agency's first services, those the visitor filtered on first."""
    ordered = [s for s in services if s in wanted] + [s for s in services if s not in wanted]
    return [taxonomy.label(taxonomy.SERVICES, s) for s in ordered[:limit]]


def _cards(
    hits: list[SearchHit], agencies: dict[int, AgencyRow], offset: int, wanted: tuple[str, ...] = ()
) -> list[Card]:
    from ..seo import optional_url

    cards = []
    for hit in hits:
        agency = agencies.get(hit.id)
        if agency is None:
            continue
        hq = agency.headquarters
        location = ", ".join(
            part
            for part in (hq.city if hq else None, geo.country_name(hq.country) if hq else None)
            if part
        )
        cards.append(
            Card(
                agency=agency,
                rank=offset + len(cards) + 1,
                url=optional_url("public.agency", slug=agency.slug),
                name=safe_highlight(hit.highlights.get("name"), agency.name),
                tagline=safe_highlight(hit.highlights.get("tagline"), agency.tagline or ""),
                services=_top_services(agency.services, wanted),
                location=location,
                distance_km=hit.distance_km,
                monogram=_monogram(agency.name),
                colour=int(hashlib.sha256(agency.slug.encode()).hexdigest(), 16) % MONOGRAM_COLOURS,
            )
        )
    return cards


def safe_highlight(snippet: str | None, fallback: str) -> Markup:
    """The backend's snippet with only ``<mark>`` kept (re-sanitized), else the escaped text."""
    if not snippet:
        return Markup.escape(fallback)
    return Markup(nh3.clean(snippet, tags={"mark"}, attributes={}))  # noqa: S704 - sanitized


def _monogram(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]) or name[:1] or "?"
    return letters.upper()


def _facet_groups(params: SearchParams, result: SearchResult) -> list[FacetGroup]:
    groups = []
    for name in FACETS:
        counts = dict(result.facets.get(name, {}))
        selected = params.query.filters.get(name, ())
        for value in selected:
            counts.setdefault(value, 0)
        options = [
            Option(
                value=value,
                label=facet_value_label(name, value),
                count=count,
                checked=value in selected,
                id=f"f-{name}-{_slug_id(value)}",
            )
            for value, count in counts.items()
            if count > 0 or value in selected
        ]
        if not options:
            continue
        if name == "city":
            _disambiguate_cities(options)
        if name in _ORDERED:
            order = list(VOCABULARIES.get(name, geo.WORLD_REGIONS))
            options.sort(key=lambda o: order.index(o.value) if o.value in order else len(order))
        else:
            options.sort(key=lambda o: (not o.checked, -o.count, geo.fold(o.label)))
        groups.append(
            FacetGroup(
                name=name,
                legend=str(FACET_LEGENDS[name]),
                options=options[:VISIBLE_OPTIONS],
                more=options[VISIBLE_OPTIONS:],
            )
        )
    return groups


def _disambiguate_cities(options: list[Option]) -> None:
    """ "Paris" twice (France, United States) → "Paris (France)", "Paris (United States)"."""
    seen: dict[str, int] = {}
    for option in options:
        seen[option.label] = seen.get(option.label, 0) + 1
    for option in options:
        if seen[option.label] > 1:
            country = geo.country_name(option.value.partition(":")[0])
            option.label = f"{option.label} ({country})"


def _slug_id(value: str) -> str:
    safe = "".join(c if c.isascii() and c.isalnum() else "-" for c in value.lower())
    return f"{safe[:40]}-{hashlib.sha256(value.encode()).hexdigest()[:6]}"


def _chips(params: SearchParams) -> list[Chip]:
    q = params.query
    chips = []
    if q.text:
        chips.append(
            Chip(str(_l("Words: “%(text)s”", text=q.text)), state_url(params.without("q")))
        )
    for name in FACETS:
        for value in q.filters.get(name, ()):
            # Translators: an active filter, e.g. "Country: France" ("Pays : France").
            label = str(
                _l(
                    "%(facet)s: %(value)s",
                    facet=FACET_LEGENDS[name],
                    value=facet_value_label(name, value),
                )
            )
            chips.append(Chip(label, state_url(params.without(name, value))))
    if q.min_rating is not None:
        label = str(_l("Rating: %(rating)s and up", rating=format_rating(q.min_rating)))
        chips.append(Chip(label, state_url(params.without("min_rating"))))
    if q.near is not None:
        chips.append(
            Chip(str(_l("Near: %(place)s", place=params.place)), state_url(params.without("near")))
        )
    return chips


def _rating_options(params: SearchParams, result: SearchResult):
    options: list[tuple[str, str, int | None, bool]] = [
        ("", str(_l("Any rating")), None, params.query.min_rating is None)
    ]
    for value in MIN_RATINGS:
        key = format_rating_param(value)
        count = result.rating_counts.get(key, result.rating_counts.get(str(value)))
        label = str(_l("%(rating)s and up", rating=format_rating(value)))
        options.append((key, label, count, params.query.min_rating == value))
    return options


def _pagination(params: SearchParams, pages: int) -> list[tuple[int | None, str | None]]:
    """Page numbers with URLs; ``(None, None)`` marks a gap."""
    current = params.query.page
    wanted = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    items: list[tuple[int | None, str | None]] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            items.append((None, None))
        items.append((number, state_url(params.to_args(page=number))))
        previous = number
    return items if pages > 1 else []
