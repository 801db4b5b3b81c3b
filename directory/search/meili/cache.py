"""Answers kept per process while the index has not changed.

Counting facet values is most of what a search page costs Meilisearch (≈ 516 searches/s
without facets, ≈ 213 with all of them, at 100k agencies on two cores), and a directory's
traffic asks the same few thousand questions over and over (a region, a service, a page).
Two things are kept here, valid for one state of the index only:

- whole results, keyed by the validated ``SearchQuery`` (``result_key``): the same question
  on an unchanged index gets the same answer without asking Meilisearch;
- facet counts, keyed by the exact query body that produced them: the counts do not depend on
  the page or the sort, so paging through results or re-sorting them asks for the hits only.

A lookup first reads the index's ``createdAt``/``updatedAt`` (one cheap metadata call, made
only when an entry could be used, and at most once per search), and any change (a document
written, a settings update, a rebuild's swap) empties the cache: what is served is exactly
what Meilisearch would answer now. Entries also expire after ``ttl`` seconds, and at most
``size`` are kept (least recently used go first).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from cachetools import TTLCache

# Query keys that change which hits come back and how they look, never the counts.
HIT_KEYS = frozenset(
    {
        "page",
        "hitsPerPage",
        "sort",
        "attributesToRetrieve",
        "attributesToHighlight",
        "highlightPreTag",
        "highlightPostTag",
    }
)

Counts = dict[str, dict[str, int]]


def result_key(query: object) -> str:
    """The cache key of a whole search result (the dataclass's repr names every field)."""
    return f"result:{query!r}"


def counts_key(body: dict) -> str | None:
    """The cache key of the facet counts ``body`` asks for (None when it asks for none)."""
    if not body.get("facets"):
        return None
    return json.dumps(
        {k: v for k, v in body.items() if k not in HIT_KEYS}, sort_keys=True, ensure_ascii=False
    )


class StateCache:
    """Results and facet distributions for one index state (see the module docstring)."""

    def __init__(self, size: int, ttl: float):
        self.enabled = size > 0 and ttl > 0
        self._entries: TTLCache = TTLCache(maxsize=max(size, 1), ttl=max(ttl, 0.001))
        self._stamp: object = None
        self._generation = 0  # bumped whenever the entries are dropped
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def lookup(
        self, keys: Sequence[str | None], stamp: Callable[[], object]
    ) -> tuple[list[Any], int]:
        """The cached counts for each key (None where absent), valid for the index as it is,
        and the generation to hand back to ``store`` with what the search then returns.

        ``stamp`` reads the index's current state (None if it cannot).
        """
        if not self.enabled:
            return [None] * len(keys), -1
        with self._lock:
            found = [self._entries.get(k) if k is not None else None for k in keys]
        # The state is read only when an entry could be used. Entries stored before the
        # first read (a new process) are under no known state: that read drops them.
        if any(f is not None for f in found):
            current = stamp()
            with self._lock:
                if current is None:  # the key may not read the index: no cache at all
                    self.enabled = False
                    found = [None] * len(keys)
                elif current != self._stamp:
                    self._drop()
                    self._stamp = current
                    found = [None] * len(keys)
        with self._lock:
            self.hits += sum(f is not None for f in found)
            asked = sum(k is not None for k in keys)
            self.misses += asked - sum(f is not None for f in found)
            return found, self._generation

    def store(self, key: str | None, counts: object | None, generation: int) -> None:
        """Keep what a search just returned for ``key`` (counts, or a whole result).

        They are filed under the last state read. If the index changed before the search ran,
        the next lookup reads a different state and drops them; if the entries were dropped
        while it ran (``generation`` is old), they are not kept: never served stale.
        """
        if not self.enabled or key is None or counts is None:
            return
        with self._lock:
            if generation == self._generation:
                self._entries[key] = counts

    def clear(self) -> None:
        """Forget everything (this process just wrote to the index)."""
        with self._lock:
            self._drop()
            self._stamp = None

    def _drop(self) -> None:
        self._entries.clear()
        self._generation += 1


def once(read: Callable[[], object]) -> Callable[[], object]:
    """``read`` called at most once (one search reads the index state once)."""
    memo: list[object] = []

    def first() -> object:
        if not memo:
            memo.append(read())
        return memo[0]

    return first


def cached_multi_search(
    cache: StateCache,
    queries: list[dict],
    ask: Callable[[list[dict]], list[dict]],
    stamp: Callable[[], object],
) -> list[dict]:
    """The answers to ``queries`` (the page first), as ``ask`` (one multi-search) gives them,
    without asking for the facet counts ``cache`` holds for the index as it is now.

    The page itself is always asked for (without its ``facets`` when they are cached); a
    facet-only query whose counts are cached is not sent at all.
    """
    keys = [counts_key(body) for body in queries]
    cached, generation = cache.lookup(keys, stamp)
    send = [
        {k: v for k, v in body.items() if k != "facets"} if counts is not None else body
        for position, (body, counts) in enumerate(zip(queries, cached, strict=True))
        if counts is None or position == 0
    ]
    answers = iter(ask(send))
    results: list[dict] = []
    for key, counts in zip(keys, cached, strict=True):
        if counts is not None and results:
            results.append({"facetDistribution": counts})
            continue
        answer = next(answers)
        if counts is None:
            cache.store(key, answer.get("facetDistribution"), generation)
        else:
            answer["facetDistribution"] = counts
        results.append(answer)
    return results
