"""What the results template shows, built from the parsed request and the backend's answer.

Pure presentation: result cards with sanitized highlights, sorts, pagination and
canonical/robots rules; the sidebar comes from ``facets``, state URLs from ``state``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ... import geo, taxonomy
from ...listings import AgencyRow
from ...search.base import DEFAULT_PER_PAGE, SearchHit, SearchResult
from ...search.params import SearchParams
from ...urls import public_url
from .._searching import part_label, safe_highlight
from .facets import Chip, FacetGroup, chips, facet_groups, rating_options
from .state import is_indexable, pagination, state_url
from .why import Why, explain

SORT_LABELS = {
    "relevance": _l("Best match"),
    "rating": _l("Highest rated"),
    "reviews": _l("Most reviews"),
    "name": _l("Name (A–Z)"),
    "newest": _l("Newest"),
    "distance": _l("Nearest"),
}
MONOGRAM_COLOURS = 6  # the palette of site.css (.monogram--0…5)


@dataclass
class Card:
    """One result."""

    agency: AgencyRow
    rank: int
    url: str
    name: Markup
    tagline: Markup
    services: list[str]
    location: str
    distance_km: float | None
    monogram: str
    colour: int
    matched: list[str] = field(default_factory=list)  # labels of the services that matched
    matched_place: str = ""  # the office that matched a place filter


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
    understood: Understood | None = None


@dataclass
class Understood:
    """What the page says about how it read the words: parts as chips, words ignored."""

    chips: list[Chip]  # one per understood part; the link searches without it
    words: str  # the words left to match as text
    switch_url: str  # to the words themselves (or back to the reading, when literal)
    literal: bool
    fallback: bool
    ignored: list[str]


def understood(params: SearchParams, result: SearchResult) -> Understood | None:
    """The understood parts and ignored words of this search, or None when there are none."""
    reading = params.understanding
    ignored = list(result.ignored)
    if reading is None and not ignored and not params.literal:
        return None
    chips = []
    if reading is not None and not params.fallback:
        for part in reading.facet_parts:
            url = state_url(params.to_args(page=1, q=reading.without(part)))
            chips.append(Chip(part_label(part), url))
    return Understood(
        chips=chips,
        words=params.query.text,
        switch_url=state_url(params.to_args(page=1, literal=not params.literal)),
        literal=params.literal,
        fallback=params.fallback,
        ignored=ignored,
    )


def build_page(params: SearchParams, result: SearchResult, agencies: dict[int, AgencyRow]) -> Page:
    """Assemble the page model for the results template."""
    q = params.query
    typed = params.typed or q.text
    prev_url = state_url(params.to_args(page=q.page - 1)) if q.page > 1 else None
    next_url = state_url(params.to_args(page=q.page + 1)) if q.page < result.pages else None
    return Page(
        params=params,
        result=result,
        cards=_cards(result.hits, agencies, q.offset, explain(agencies, q.filters)),
        facets=facet_groups(params, result),
        chips=chips(params),
        clear_url=url_for("search.results", **({"q": typed} if typed else {})),
        ratings=rating_options(params, result),
        sorts=[
            (name, str(label), name == q.sort)
            for name, label in SORT_LABELS.items()
            if name != "distance" or q.near
        ],
        pages=pagination(params, result.pages),
        prev_url=prev_url,
        next_url=next_url,
        last_url=state_url(params.to_args(page=result.pages)),
        canonical=state_url(
            params.to_args(sort="relevance", per_page=DEFAULT_PER_PAGE), external=True
        ),
        indexable=is_indexable(params, result),
        form_action=url_for("search.results"),
        hidden=[("per_page", str(q.per_page))] if q.per_page != DEFAULT_PER_PAGE else [],
        understood=understood(params, result),
    )


def item_list_ld(name: str, page: Page) -> dict:
    """schema.org ItemList of the agencies shown on a landing page, in rank order."""
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
        ],
    }


def _top_services(services: list[str], wanted: tuple[str, ...], limit: int = 3) -> list[str]:
    """The agency's first services, those the visitor filtered on first."""
    ordered = [s for s in services if s in wanted] + [s for s in services if s not in wanted]
    return [taxonomy.label(taxonomy.SERVICES, s) for s in ordered[:limit]]


def _cards(
    hits: list[SearchHit], agencies: dict[int, AgencyRow], offset: int, whys: dict[int, Why]
) -> list[Card]:
    cards = []
    for hit in hits:
        agency = agencies.get(hit.id)
        if agency is None:
            continue
        why = whys.get(hit.id) or Why()
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
                url=url_for("public.agency", slug=agency.slug),
                name=safe_highlight(hit.highlights.get("name"), agency.name),
                tagline=safe_highlight(hit.highlights.get("tagline"), agency.tagline or ""),
                services=_top_services(agency.services, tuple(why.services)),
                location=location,
                distance_km=hit.distance_km,
                monogram=_monogram(agency.name),
                colour=int(hashlib.sha256(agency.slug.encode()).hexdigest(), 16) % MONOGRAM_COLOURS,
                matched=[taxonomy.label(taxonomy.SERVICES, s) for s in why.services],
                matched_place=why.place,
            )
        )
    return cards


def _monogram(name: str) -> str:
    words = [w for w in name.split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]) or name[:1] or "?"
    return letters.upper()
