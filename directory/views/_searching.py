"""Shared by the search pages and the API: one guarded backend call, sanitized highlights."""

from __future__ import annotations

import logging

import nh3
from markupsafe import Markup

from ..search import get_backend
from ..search.base import SearchQuery, SearchResult, SearchUnavailable

logger = logging.getLogger("directory.search")

RETRY_AFTER_SECONDS = 30


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


def safe_highlight(snippet: str | None, fallback: str) -> Markup:
    """The backend's snippet with only ``<mark>`` kept (re-sanitized), else the escaped text."""
    if not snippet:
        return Markup.escape(fallback)
    return Markup(nh3.clean(snippet, tags={"mark"}, attributes={}))  # noqa: S704 - sanitized
