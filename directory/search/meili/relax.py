"""Fewer words when no agency has them all, chosen as the embedded engine chooses them.

Meilisearch's own ``matchingStrategy`` ("last", "frequency") mixes agencies matching
different subsets of the words and counts frequencies over the whole index; the rule of
``search.relaxation`` counts them within the filters and keeps one subset. So the adapter asks
(one multi-search) how many filtered agencies hold each word, then (a second one) how many
hold every word of each shorter query in drop order, and searches the first that has any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..base import SearchQuery
from ..relaxation import attempts, drop_order
from ..text import parse_query
from .filters import build_filter

MultiSearch = Callable[[list[dict]], list[dict]]


def _text(words: list[tuple[str, bool]], kept: list[int]) -> str:
    """The kept words as a query: a trailing space unless the last kept word is a prefix."""
    chosen = [words[i] for i in kept]
    return " ".join(w for w, _ in chosen) + ("" if chosen[-1][1] else " ")


def _count_query(index_uid: str, query: SearchQuery, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "indexUid": index_uid,
        "q": text,
        "matchingStrategy": "all",
        "page": 1,
        "hitsPerPage": 0,
    }
    clauses = build_filter(query.filters, query.min_rating)
    if clauses:
        body["filter"] = clauses
    return body


def fewer_words(
    multi_search: MultiSearch, index_uid: str, query: SearchQuery
) -> tuple[str, tuple[str, ...]] | None:
    """(query text to search, words left out) when dropping words finds agencies, else None."""
    words = parse_query(query.text or "")
    if len(words) < 2:
        return None
    frequencies = [
        int(answer.get("totalHits") or 0)
        for answer in multi_search(
            [_count_query(index_uid, query, _text(words, [i])) for i in range(len(words))]
        )
    ]
    steps = attempts(frequencies)
    answers = multi_search([_count_query(index_uid, query, _text(words, kept)) for kept in steps])
    for kept, answer in zip(steps, answers, strict=True):
        if answer.get("totalHits"):
            order = drop_order(frequencies)
            dropped = [i for i in order if i not in kept]
            return _text(words, kept), tuple(words[i][0] for i in sorted(dropped))
    return None
