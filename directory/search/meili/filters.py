"""Meilisearch filter expressions built only from allowlisted attributes and quoted values.

No user text is ever spliced into a filter: attribute names come from ``FACET_ATTRIBUTES``
(keyed by the facet names of ``base.FACETS``), every value is a quoted literal escaped the way
Meilisearch's filter parser unescapes it (backslash first, then double quote), and the rating
bound is a float formatted here. The array form is used: outer list = AND, inner list = OR.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..base import FACETS, RATING_FIELD

# Facet name (SearchQuery.filters key) → document attribute. The names are the contract with
# search.documents; every attribute listed here is filterable in the index settings.
FACET_ATTRIBUTES: dict[str, str] = {facet: facet for facet in FACETS}
RATING_ATTRIBUTE = RATING_FIELD
MAX_VALUE_LENGTH = 200

Filter = list[str | list[str]]


def quote(value: str) -> str:
    """A double-quoted filter literal for ``value``: backslashes first, then quotes."""
    if not isinstance(value, str):
        raise TypeError(f"filter values are strings, not {type(value).__name__}")
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError("filter value too long")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def equals(facet: str, value: str) -> str:
    """``attribute = "value"`` for an allowlisted facet (KeyError for any other name)."""
    return f"{FACET_ATTRIBUTES[facet]} = {quote(value)}"


def rating_at_least(min_rating: float) -> str:
    """``rating_avg >= 4.00``, from a number checked and formatted here."""
    bound = float(min_rating)
    if not math.isfinite(bound) or not 0 <= bound <= 5:
        raise ValueError("min_rating must be between 0 and 5")
    return f"{RATING_ATTRIBUTE} >= {bound:.2f}"


def build_filter(
    filters: Mapping[str, tuple[str, ...]],
    min_rating: float | None = None,
    *,
    without: str | None = None,
) -> Filter:
    """The array filter for ``filters`` (OR within a facet, AND across), minus facet ``without``.

    Facets are emitted in ``FACETS`` order so the same query always sends the same filter.
    Unknown facet names raise ``KeyError``: views validate them before a backend is called.
    """
    unknown = set(filters) - set(FACET_ATTRIBUTES)
    if unknown:
        raise KeyError(f"not a facet: {sorted(unknown)!r}")
    clauses: Filter = []
    for facet in FACETS:
        values = tuple(dict.fromkeys(filters.get(facet, ())))
        if facet == without or not values:
            continue
        clauses.append([equals(facet, value) for value in values])
    if min_rating is not None and without != RATING_ATTRIBUTE:
        clauses.append(rating_at_least(min_rating))
    return clauses


def ids_filter(ids: list[int]) -> str:
    """``id IN [1, 2, 3]`` for ``delete_documents(filter=...)``; ids must be integers."""
    return "id IN [" + ", ".join(str(int(i)) for i in ids) + "]"
