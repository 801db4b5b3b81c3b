"""Why a result matched: the services and the office that answer the visitor's filters.

A card says "Matches: SEO · Lyon, France" so a prospect sees at a glance which part of an
agency fits, without opening the profile. Filters understood from the words count as much
as ticked ones (they are the same filters by then).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ... import geo, taxonomy
from ...listings import AgencyRow, office_places

PLACE_FACETS = ("city", "country", "world_region")


@dataclass
class Why:
    """What a card shows as matched."""

    services: list[str] = field(default_factory=list)  # service slugs, profile order
    place: str = ""  # "Lyon, France", for the first office that matched


def matched_services(services: list[str], filters: dict[str, tuple[str, ...]]) -> list[str]:
    """The agency's services named by the service or category filters, in profile order."""
    wanted = set(filters.get("service", ()))
    categories = set(filters.get("category", ()))
    return [
        s
        for s in services
        if s in wanted or (s in taxonomy.SERVICES and taxonomy.SERVICES[s].category in categories)
    ]


def _office_matches(city: str | None, country: str, filters: dict) -> bool:
    cities = {geo.fold(v) for v in filters.get("city", ())}
    if cities and not (city and geo.fold(f"{country}:{city}") in cities):
        return False
    if "country" in filters and country not in filters["country"]:
        return False
    regions = filters.get("world_region")
    return not regions or geo.continent_of(country) in regions


def _place_label(city: str | None, country: str) -> str:
    return ", ".join(x for x in (city, geo.country_name(country)) if x)


def explain(agencies: dict[int, AgencyRow], filters: dict[str, tuple[str, ...]]) -> dict[int, Why]:
    """Per agency id, the services and the place that matched ``filters``."""
    places = {}
    if any(name in filters for name in PLACE_FACETS):
        places = office_places(agencies)
    found = {}
    for agency_id, agency in agencies.items():
        why = Why(services=matched_services(agency.services, filters))
        for city, country in places.get(agency_id, ()):
            if _office_matches(city, country, filters):
                why.place = _place_label(city, country)
                break
        found[agency_id] = why
    return found
