"""The Meilisearch index settings, and which differences from the live index force a rebuild.

Field names are the contract with ``search.documents``; the ranking rules mirror the policy
in docs/search.md (the embedded engine implements the same order).
"""

from __future__ import annotations

import json
from typing import Any

from ... import taxonomy
from ..base import FACETS_BY_COUNT, MAX_FACET_VALUES, RANKING_RULES, SEARCHABLE_FIELDS
from ..text import ONE_TYPO_FROM, TWO_TYPOS_FROM
from ..understanding import stop_words
from .filters import FACET_ATTRIBUTES, RATING_ATTRIBUTE

# Attribute weight, highest first (reordering is free; adding or removing reindexes).
SEARCHABLE = list(SEARCHABLE_FIELDS)
# What a hit may carry back: public fields only (search returns ids; views load the rows).
DISPLAYED = ["id", "name", "tagline", "_geo"]
SORTABLE = ["bayesian_score", "review_count", "name_sort", "created_at", "_geo"]
# Facets with long, free-text value lists, searchable through POST /indexes/{uid}/facet-search
# (countries are ISO codes: a facet search over them would not find "France").
FACET_SEARCH = ("city",)
LOCALIZED = [
    {"attributePatterns": ["*_fr"], "locales": ["fra"]},
    {"attributePatterns": ["*_en"], "locales": ["eng"]},
]
# Exact totals for page/hitsPerPage up to this many hits (above the directory's size).
MAX_TOTAL_HITS = 200_000
# Stop refining a slow query early so the whole multi-search fits in the client timeout.
SEARCH_CUTOFF_MS = 400

# Settings whose change rebuilds the index's internal structures (slow, blocks later writes).
REINDEXING = (
    "searchableAttributes",
    "filterableAttributes",
    "sortableAttributes",
    "localizedAttributes",
    "stopWords",
    "separatorTokens",
    "nonSeparatorTokens",
    "dictionary",
    "proximityPrecision",
    "prefixSearch",
)


def _filter_features(*, facet_search: bool, comparison: bool) -> dict[str, Any]:
    return {
        "facetSearch": facet_search,
        "filter": {"equality": True, "comparison": comparison},
    }


def filterable_attributes() -> list[Any]:
    """Granular filterable attributes: equality only, except numbers; ``_geo`` plain."""
    facets = list(FACET_ATTRIBUTES.values())
    searchable_facets = [a for a in facets if a in FACET_SEARCH]
    plain = ["id", *(a for a in facets if a not in FACET_SEARCH)]
    return [
        {
            "attributePatterns": searchable_facets,
            "features": _filter_features(facet_search=True, comparison=False),
        },
        {
            "attributePatterns": plain,
            "features": _filter_features(facet_search=False, comparison=False),
        },
        {
            "attributePatterns": [RATING_ATTRIBUTE],
            "features": _filter_features(facet_search=False, comparison=True),
        },
        # A plain string: inside an object, geo filtering would silently stay off.
        "_geo",
    ]


def _phrases(term: taxonomy.Term) -> list[str]:
    """The ways people write a service: both labels (and their parts), and its synonyms."""
    phrases: list[str] = []
    for label in (term.en, term.fr):
        base, _, rest = label.partition("(")
        phrases.append(base)
        if rest:
            phrases.append(rest.rstrip(")"))
    phrases.extend(term.synonyms)
    cleaned = (" ".join(p.lower().split()) for p in phrases)
    return list(dict.fromkeys(p for p in cleaned if p))


def synonyms() -> dict[str, list[str]]:
    """Mutual synonyms per service, English and French, multi-word phrases both ways.

    A phrase shared by two services (``formation``) maps to the phrases of both.
    """
    table: dict[str, list[str]] = {}
    for term in taxonomy.SERVICES.values():
        group = _phrases(term)
        for phrase in group:
            others = table.setdefault(phrase, [])
            others.extend(p for p in group if p != phrase and p not in others)
    return {phrase: others for phrase, others in sorted(table.items()) if others}


def meili_stop_words() -> list[str]:
    """The shared stop words as Meilisearch must be told them.

    Meilisearch 1.50 matches stop words against the words of a document before lower-casing
    them: with "the" alone, "The Growth Lab" is still found by ``the`` (and "For Good" by
    ``for``), while the embedded engine ignores the word everywhere. Listing the capitalised
    and upper-case forms too makes both engines skip it (measured on a live server).
    """
    words = stop_words()
    return sorted({form for word in words for form in (word, word.capitalize(), word.upper())})


def index_settings() -> dict[str, Any]:
    """The full settings payload (PATCH /indexes/{uid}/settings), applied idempotently."""
    return {
        "displayedAttributes": DISPLAYED,
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": filterable_attributes(),
        "sortableAttributes": SORTABLE,
        "rankingRules": list(RANKING_RULES),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_FROM, "twoTypos": TWO_TYPOS_FROM},
            "disableOnNumbers": True,
        },
        "synonyms": synonyms(),
        "stopWords": meili_stop_words(),
        "localizedAttributes": LOCALIZED,
        "faceting": {
            "maxValuesPerFacet": MAX_FACET_VALUES,
            "sortFacetValuesBy": {"*": "alpha", **dict.fromkeys(FACETS_BY_COUNT, "count")},
        },
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "searchCutoffMs": SEARCH_CUTOFF_MS,
    }


def _canonical(value: Any) -> Any:
    """A comparable form: lists of settings entries compare as sets, dicts by their items."""
    if isinstance(value, list):
        return sorted(json.dumps(_canonical(v), sort_keys=True) for v in value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _covers(live: Any, wanted: Any) -> bool:
    """Whether the live value already holds every wanted key/value (defaults may add keys)."""
    if isinstance(wanted, dict) and isinstance(live, dict):
        return all(_covers(live.get(k), v) for k, v in wanted.items())
    return live == wanted


ORDERED = ("searchableAttributes", "rankingRules")


def _same(key: str, live: Any, wanted: Any) -> bool:
    if key in ORDERED:
        return live == wanted
    if isinstance(wanted, dict) and key != "synonyms":
        return _covers(live, wanted)  # the server fills in defaults for omitted sub-keys
    return _canonical(live or type(wanted)()) == _canonical(wanted)


def differences(live: dict[str, Any], wanted: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(changed settings, those among them that reindex), comparing live to wanted.

    Reordering ``searchableAttributes`` changes the weights, not the indexed set: it is a
    change that does not reindex.
    """
    changed = [key for key, value in wanted.items() if not _same(key, live.get(key), value)]
    reindexing = [key for key in changed if key in REINDEXING]
    if "searchableAttributes" in reindexing and set(live.get("searchableAttributes") or ()) == set(
        wanted["searchableAttributes"]
    ):
        reindexing.remove("searchableAttributes")
    return changed, reindexing
