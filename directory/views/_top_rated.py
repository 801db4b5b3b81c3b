"""The home page's top-rated agencies per partner tier and per world region, cached in-process.

Each group is the first page of the search a visitor gets from its "see all" link (that tier
or region, sorted by "Highest rated", rated agencies only), so the home never contradicts the
search page. The searches are cached like the home counts (``HOME_CACHE_SECONDS``, per day:
the listing rule depends on the date); each render then costs one query for the cards.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from flask import current_app

from .. import geo, taxonomy
from ..db import today
from ..listings import AgencyRow, cached_today, load_agencies
from ..search.base import SearchQuery, SearchUnavailable
from ._searching import run_search

logger = logging.getLogger("directory.search")

TOP_PER_GROUP = 3
# "Highest rated" on the search page only ranks rated agencies first: the home shows none unrated.
MIN_RATING = 1.0


@dataclass(frozen=True)
class TopGroup:
    """One tier or region and its best-rated agency ids."""

    facet: str  # "tier" or "world_region"
    value: str
    ids: tuple[int, ...]

    def search_args(self) -> dict[str, str]:
        """The search page's arguments for all of this group, best rated first (its first
        results are these agencies: unrated ones come after every rated one)."""
        return {self.facet: self.value, "sort": "rating"}


def _group(facet: str, value: str) -> TopGroup | None:
    query = SearchQuery(
        filters={facet: (value,)},
        min_rating=MIN_RATING,
        sort="rating",
        per_page=TOP_PER_GROUP,
        facets=(),
        highlight=False,
    )
    result = run_search(query)
    if not result.total:
        return None
    return TopGroup(facet, value, tuple(hit.id for hit in result.hits))


def compute_top_rated() -> tuple[list[TopGroup], list[TopGroup]]:
    """(groups per tier, highest first; groups per world region), empty ones left out."""
    tiers = [_group("tier", slug) for slug in reversed(list(taxonomy.TIERS))]
    regions = [_group("world_region", code) for code in geo.WORLD_REGIONS]
    return [g for g in tiers if g], [g for g in regions if g]


_refreshing = threading.Lock()
CACHE = "public_top_rated_cache"


def top_rated() -> tuple[list[TopGroup], list[TopGroup]]:
    """``compute_top_rated`` cached like the home counts (``listings.cached_today``): one
    request refreshes stale groups while the others keep the stale ones. While search is
    down, the stale groups (or none): the home's other sections need no search engine."""
    try:
        return cached_today(CACHE, _refreshing, lambda day: compute_top_rated())
    except SearchUnavailable:
        hit = current_app.extensions.get(CACHE, {}).get(today())
        return hit[1] if hit else ([], [])


def load_cards(groups: list[TopGroup]) -> dict[int, AgencyRow]:
    """The listed agencies of ``groups``, by id, in one query."""
    return load_agencies({i for group in groups for i in group.ids})
