"""One ``SearchQuery`` → the body of one non-federated multi-search, and its answer → a result.

Disjunctive facets: Meilisearch counts facet values over the filtered candidates, so the
values of a group the visitor already filtered on would all read 0 except the chosen ones.
Each active group gets its own query, identical but without that group's filter, asking
only for that group's counts (``hitsPerPage: 0``); the counts are merged into the result.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markupsafe import Markup

from ...geo import distance_km
from ..base import (
    HIGHLIGHTED_FIELDS,
    MAX_FACET_VALUES,
    RATING_STEPS,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from ..text import parse_query
from .filters import FACET_ATTRIBUTES, RATING_ATTRIBUTE, build_filter

# Private-use characters as highlight tags: the text is escaped first, then they become marks.
PRE, POST = "\ue000", "\ue001"
_TAGS = re.compile(f"([{PRE}{POST}])")
RATING_GROUP = "min_rating"

SORT_RULES: dict[str, list[str]] = {
    "relevance": [],
    "rating": ["bayesian_score:desc", "review_count:desc"],
    "reviews": ["review_count:desc", "bayesian_score:desc"],
    "name": ["name_sort:asc"],
    "newest": ["created_at:desc"],
}


def _sort(query: SearchQuery) -> list[str]:
    if query.sort == "distance":
        if query.near is None:
            return []
        lat, lng = (float(v) for v in query.near)
        return [f"_geoPoint({lat:.6f},{lng:.6f}):asc"]
    return list(SORT_RULES.get(query.sort, ()))


ALL, LAST = "all", "last"


def relaxable(query: SearchQuery) -> bool:
    """Whether a query finding nothing with every word is worth asking again with fewer.

    Only with two words or more (as the embedded engine tokenizes them): with one, "last"
    and "all" are the same search.
    """
    return len(parse_query(query.text or "")) > 1


def _base(
    index_uid: str, query: SearchQuery, without: str | None, strategy: str = ALL
) -> dict[str, Any]:
    body: dict[str, Any] = {"indexUid": index_uid, "q": query.text}
    if query.text:
        body["matchingStrategy"] = strategy
    clauses = build_filter(query.filters, query.min_rating, without=without)
    if clauses:
        body["filter"] = clauses
    return body


def build_queries(
    index_uid: str, query: SearchQuery, strategy: str = ALL
) -> tuple[list[dict], list[str]]:
    """The multi-search queries (main first) and the facet group each later query counts.

    ``strategy`` is Meilisearch's ``matchingStrategy``: "all" (every word needed) first, and
    "last" (words dropped from the end) only when "all" found nothing; see ``relaxable``.
    """
    active = [f for f in query.facets if query.filters.get(f)]
    main = _base(index_uid, query, None, strategy)
    main_facets = [FACET_ATTRIBUTES[f] for f in query.facets if f not in active]
    if query.min_rating is None and query.facets:
        main_facets.append(RATING_ATTRIBUTE)
    main.update(
        {
            "page": query.page,
            "hitsPerPage": query.per_page,
            # The point only when a distance is shown: every retrieved field is read and sent.
            "attributesToRetrieve": ["id", "_geo"] if query.near is not None else ["id"],
        }
    )
    if main_facets:
        main["facets"] = main_facets
    sort = _sort(query)
    if sort:
        main["sort"] = sort
    if query.highlight and query.text:
        main.update(
            {
                "attributesToHighlight": list(HIGHLIGHTED_FIELDS),
                "highlightPreTag": PRE,
                "highlightPostTag": POST,
            }
        )
    queries, groups = [main], []
    extra = [(f, FACET_ATTRIBUTES[f]) for f in active]
    if query.min_rating is not None and query.facets:
        extra.append((RATING_GROUP, RATING_ATTRIBUTE))
    for group, attribute in extra:
        without = RATING_ATTRIBUTE if group == RATING_GROUP else group
        body = _base(index_uid, query, without, strategy)
        body.update({"facets": [attribute], "page": 1, "hitsPerPage": 0})
        queries.append(body)
        groups.append(group)
    return queries, groups


def safe_highlight(text: str) -> Markup:
    """Escape ``text`` and turn the highlight tags into balanced ``<mark>`` elements."""
    out, inside = [], False
    for part in _TAGS.split(text):
        if part == PRE:
            if not inside:
                out.append("<mark>")
            inside = True
        elif part == POST:
            if inside:
                out.append("</mark>")
            inside = False
        else:
            out.append(html.escape(part, quote=True))
    if inside:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704 - every text part is escaped above


def _hit(raw: dict, query: SearchQuery) -> SearchHit:
    formatted = raw.get("_formatted") or {}
    highlights = {
        name: safe_highlight(value)
        for name in HIGHLIGHTED_FIELDS
        if isinstance(value := formatted.get(name), str) and PRE in value
    }
    distance = None
    if "_geoDistance" in raw:
        distance = round(raw["_geoDistance"] / 1000, 1)
    elif query.near is not None and isinstance(point := raw.get("_geo"), dict):
        distance = round(distance_km(query.near, (point["lat"], point["lng"])), 1)
    return SearchHit(id=int(raw["id"]), highlights=highlights, distance_km=distance)


def _rating_counts(distribution: dict[str, int]) -> dict[str, int]:
    """Agencies rated at least each step, from the counts per rating value."""
    if len(distribution) >= MAX_FACET_VALUES:
        return {}  # possibly cut off: better no counts than wrong ones
    values = [(float(v), n) for v, n in distribution.items()]
    return {f"{step:g}": sum(n for v, n in values if v >= step) for step in RATING_STEPS}


def read_result(query: SearchQuery, results: list[dict], groups: list[str]) -> SearchResult:
    """Hits, exact total and merged disjunctive facet counts from the multi-search answer."""
    main, extra = results[0], dict(zip(groups, results[1:], strict=True))
    distribution = main.get("facetDistribution") or {}
    facets: dict[str, dict[str, int]] = {}
    for facet in query.facets:
        source = extra[facet].get("facetDistribution", {}) if facet in extra else distribution
        counts = dict(source.get(FACET_ATTRIBUTES[facet], {}))
        for value in query.filters.get(facet, ()):
            counts.setdefault(value, 0)
        facets[facet] = counts
    rating_source = extra.get(RATING_GROUP, main)
    ratings = (rating_source.get("facetDistribution") or {}).get(RATING_ATTRIBUTE)
    return SearchResult(
        hits=[_hit(raw, query) for raw in main.get("hits", [])],
        total=int(main.get("totalHits", 0)),
        page=query.page,
        per_page=query.per_page,
        facets=facets,
        rating_counts=_rating_counts(ratings) if ratings is not None else {},
    )
