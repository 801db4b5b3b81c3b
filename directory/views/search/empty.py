"""The empty state of a search: nearby queries that have results, and spelling fixes.

When a search finds nothing, the backend is asked about a few relaxed versions of it (a word
left out, a misspelt word corrected, one filter removed) and those with results are offered
with their counts.
"""

from __future__ import annotations

import difflib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ... import geo
from ...listings import name_and_city_words
from ...search.base import FACETS, SearchQuery, SearchResult
from ...search.params import SearchParams
from .facets import VOCABULARIES, facet_value_label
from .state import state_url

MAX_PROBES = 6


@dataclass
class Suggestion:
    """A nearby state that has results."""

    label: str
    url: str
    count: int


def empty_state_suggestions(
    params: SearchParams, search: Callable[[SearchQuery], SearchResult]
) -> list[Suggestion]:
    """Ask the backend about a few relaxed versions of the query; keep those with results."""
    q = params.query
    probes: list[tuple[str, MultiDict, SearchQuery]] = []
    words = q.text.split()
    corrected = correct_spelling(q.text) if q.text else None
    if corrected:
        args = params.to_args(page=1, q=corrected)
        probes.append(
            (str(_l("Search for “%(text)s”", text=corrected)), args, replace(q, text=corrected))
        )
    # One word left out at a time, the last first: the one most often typed in excess.
    for index in list(reversed(range(len(words) if len(words) > 1 else 0)))[:3]:
        shorter = " ".join(words[:index] + words[index + 1 :])
        if shorter != corrected:
            label = str(_l("Search for “%(text)s”", text=shorter))
            probes.append((label, params.to_args(page=1, q=shorter), replace(q, text=shorter)))
    reading = params.understanding
    for part in reading.facet_parts if reading is not None and not params.fallback else ():
        # An understood part: the same words without it (what its chip's link searches).
        left = {k: tuple(x for x in v if x not in part.values) for k, v in q.filters.items()}
        label = str(_l("Search without “%(words)s”", words=part.typed))
        args = params.to_args(page=1, q=reading.without(part))
        probes.append((label, args, replace(q, filters={k: v for k, v in left.items() if v})))
    for name in FACETS:
        for value in params.explicit_filters.get(name, ()):
            filters = {
                k: tuple(x for x in v if not (k == name and x == value))
                for k, v in q.filters.items()
            }
            label = str(_l("Remove “%(filter)s”", filter=facet_value_label(name, value)))
            probes.append(
                (
                    label,
                    params.without(name, value),
                    replace(q, filters={k: v for k, v in filters.items() if v}),
                )
            )
    if q.min_rating is not None:
        probes.append(
            (str(_l("Any rating")), params.without("min_rating"), replace(q, min_rating=None))
        )
    if q.text and q.filters:
        probes.append(
            (
                str(_l("Remove your words, keep the filters")),
                params.without("q"),
                replace(q, text=""),
            )
        )
    found = []
    for label, args, probe in probes[:MAX_PROBES]:
        count = search(replace(probe, page=1, per_page=1, facets=(), highlight=False)).total
        if count:
            found.append(Suggestion(label=label, url=state_url(args), count=count))
    return found


def correct_spelling(text: str) -> str | None:
    """``text`` with each unknown word replaced by the closest known one, or None if unchanged."""
    vocabulary, by_length = _vocabulary()
    words = text.split()
    fixed = []
    for word in words:
        folded = geo.fold(word)
        if len(folded) < 4 or folded in vocabulary:
            fixed.append(word)
            continue
        close = difflib.get_close_matches(folded, _candidates(by_length, len(folded)), 1, 0.75)
        fixed.append(close[0] if close else word)
    return " ".join(fixed) if fixed != words else None


def _candidates(by_length: dict[int, list[str]], size: int) -> list[str]:
    """Known words long enough and short enough to reach the 0.75 similarity cutoff at all.

    ``2·min(a, b) / (a + b)`` bounds difflib's ratio: words outside are never matched, so
    leaving them out changes nothing but the time (``get_close_matches`` is linear in them).
    """
    return [
        w
        for length, words in by_length.items()
        if 2 * min(length, size) >= 0.75 * (length + size)
        for w in words
    ]


_VOCABULARY_TTL = 300.0  # seconds a process reuses its word list (the empty state only)
_vocabulary_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app → words


def _vocabulary() -> tuple[set[str], dict[int, list[str]]]:
    """Known words (taxonomy, agency names, cities), and the same grouped by length, cached."""
    now = time.monotonic()
    key = current_app._get_current_object()
    cached = _vocabulary_cache.get(key)
    if cached is None or now - cached[0] > _VOCABULARY_TTL:
        words = _known_words() | name_and_city_words()
        by_length: dict[int, list[str]] = {}
        for word in sorted(words):
            by_length.setdefault(len(word), []).append(word)
        cached = (now, words, by_length)
        _vocabulary_cache[key] = cached
    return cached[1], cached[2]


@cache
def _taxonomy_words() -> frozenset[str]:
    words: set[str] = set()
    for vocabulary in VOCABULARIES.values():
        for term in vocabulary.values():
            for text in (term.en, term.fr, *term.synonyms):
                words.update(geo.fold(w).strip("()") for w in text.split())
    return frozenset(w for w in words if len(w) >= 3)


def _known_words() -> set[str]:
    return set(_taxonomy_words())
