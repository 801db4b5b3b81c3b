"""Shared by the search pages and the API: one guarded backend call, sanitized highlights,
and the search of a query as understood (``search.understanding``), with its safety nets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import nh3
from markupsafe import Markup

from .. import geo, taxonomy
from ..search import get_backend
from ..search.base import SearchQuery, SearchResult, SearchUnavailable
from ..search.params import SearchParams
from ..search.text import parse_query
from ..search.understanding import Part
from ..search.values import city_name

logger = logging.getLogger("directory.search")

RETRY_AFTER_SECONDS = 30
_VOCABULARIES = {
    "service": taxonomy.SERVICES,
    "category": taxonomy.CATEGORIES,
    "industry": taxonomy.INDUSTRIES,
}


def run_search(query: SearchQuery) -> SearchResult:
    """One search on the configured backend; any engine failure is ``SearchUnavailable``.

    A bug inside an engine is logged with its traceback, and the visitor gets the "try again"
    page (503) rather than a bare 500.
    """
    try:
        return get_backend().search(query)
    except SearchUnavailable:
        raise
    except Exception as exc:
        logger.exception("search backend failed on %r", query)
        raise SearchUnavailable(type(exc).__name__) from exc


def run_understood(
    params: SearchParams, search: Callable[[SearchQuery], SearchResult] = run_search
) -> tuple[SearchParams, SearchResult]:
    """Search ``params`` as understood with ``search``; (the params answered, the result).

    Understood parts filter, so a reading can miss an agency named by the words ("Nimbus
    Analytics" when Nimbus does no analytics). When the reading finds nothing, or only by
    dropping words, the typed words are searched as words (every word needed) and win when
    they find anything (``fallback``). When nothing matches the words left over, the
    understood filters alone answer and every left-over word is reported ignored.
    """
    result = search(params.query)
    if params.understanding is None or (result.total and not result.relaxed):
        return params, result
    literal_query = replace(params.literal_query(), relax=False)
    literal = search(literal_query)
    if literal.total:
        return replace(params, query=literal_query, added={}, fallback=True), literal
    if not result.total and params.query.text:
        bare_query = replace(params.query, text="")
        bare = search(bare_query)
        if bare.total:
            bare.relaxed = True
            bare.ignored = tuple(word for word, _ in parse_query(params.query.text))
            return replace(params, query=bare_query), bare
    return params, result


def part_label(part: Part, language: str | None = None) -> str:
    """The localized name of an understood part ("SEO", "Lyon", "Germany", "Île-de-France")."""
    language = language or taxonomy.current_language()
    meaning = part.meaning
    if meaning.name_en:
        return meaning.name_fr if language == "fr" else meaning.name_en
    value = meaning.values[0]
    if meaning.facet in _VOCABULARIES:
        return taxonomy.label(_VOCABULARIES[meaning.facet], value, language)
    if meaning.facet == "country":
        return geo.country_name(value, language)
    if meaning.facet == "world_region":
        return geo.region_name(value, language)
    if meaning.facet == "language":
        return geo.language_name(value, language)
    return city_name(value)


def understood_json(params: SearchParams, result: SearchResult, language: str) -> list[dict]:
    """The understood parts for the API's ``query.understood``."""
    reading = params.understanding
    if reading is None:
        return []
    return [
        {
            "kind": part.meaning.kind,
            "facet": part.facet,
            "values": list(part.values),
            "label": part_label(part, language),
            "words": part.typed,
            "typo": part.typo,
        }
        for part in reading.facet_parts
    ]


def safe_highlight(snippet: str | None, fallback: str) -> Markup:
    """The backend's snippet with only ``<mark>`` kept (re-sanitized), else the escaped text."""
    if not snippet:
        return Markup.escape(fallback)
    return Markup(nh3.clean(snippet, tags={"mark"}, attributes={}))  # noqa: S704 - sanitized
