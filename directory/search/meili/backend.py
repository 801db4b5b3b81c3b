"""The Meilisearch backend: the ``SearchBackend`` interface on the official Python client.

Reads answer within ``timeout`` or raise ``SearchUnavailable`` (the search page then answers
503 with Retry-After; there is no read fallback, see docs/meilisearch.md). Writes are checked
tasks (``meili.tasks``); settings live in ``meili.settings``; filters in ``meili.filters``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace

import requests
from flask import has_request_context
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from ..base import SearchBackend, SearchQuery, SearchResult, SearchUnavailable
from ..documents import STAMP_FIELD
from .cache import StateCache, cached_multi_search, once, result_key
from .client import KeepAliveClient
from .errors import explain
from .filters import ids_filter
from .query import ALL, build_queries, read_result, relaxable
from .relax import fewer_words
from .settings import differences, index_settings
from .swap import IndexSwap, RebuildFailed, document_count
from .tasks import Rejected, TaskRunner

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A rebuild sends 5,000 documents a request and keeps 8 requests queued (≈ 40k documents in
# memory): Meilisearch merges queued additions into fewer, larger indexing batches, each
# paying its fixed costs once (20k agencies: 12–13 s against 18–24 s in 1,000 × 4).
REBUILD_BATCH_SIZE, REBUILD_WINDOW = 5000, 8
PAGE_SIZE = 5000
# (connect, read) seconds for requests. A search connects fast or not at all (same network),
# so connect + read stays under ~2 s; writes may upload megabytes of documents.
CONNECT_TIMEOUT = 0.5
# The read part bounds a silent server too: Meilisearch answers a write once the payload is
# stored (the task runs later), so 10 s is ample, and a hung server holds the worker 10 s.
WRITE_TIMEOUT = (3.0, 10.0)
TASK_TIMEOUT_MS = 120_000  # a rebuild's batches can queue behind each other
# Inside a web request (the push right after a commit) a write waits this long at most; past
# it the change stays in the outbox and the worker retries it, so a busy server never holds
# a visitor's response.
REQUEST_WAIT_MS = 2_000
# Results and facet counts kept per process while the index is unchanged (``meili.cache``).
CACHE_SIZE, CACHE_SECONDS = 2000, 30.0
# How long a process trusts the last read of the index's state (``_index_state``). Another
# process's write shows after at most this long (this process's own writes at once).
STATE_SECONDS = 1.0
# API errors that mean "cannot answer now" rather than "this request is wrong". A revoked or
# missing key is an outage for visitors (a 503 page), and a loud log line for operators.
UNAVAILABLE_CODES = frozenset(
    {
        "too_many_search_requests",
        "index_not_found",
        "invalid_api_key",
        "missing_authorization_header",
    }
)


def _unavailable(exc: Exception) -> bool:
    if isinstance(exc, MeilisearchApiError):
        return exc.status_code >= 500 or exc.code in UNAVAILABLE_CODES
    # RequestException covers a 200 whose body is not JSON (a proxy's error page).
    return isinstance(
        exc, MeilisearchCommunicationError | MeilisearchTimeoutError | requests.RequestException
    )


class MeilisearchBackend(SearchBackend):
    """Search and index agencies in one Meilisearch index (``index_uid``)."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        index_uid: str = "agencies",
        timeout: float = 1.5,
        *,
        batch_size: int | None = None,
        task_timeout_ms: int = TASK_TIMEOUT_MS,
        cache_size: int = CACHE_SIZE,
        cache_seconds: float = CACHE_SECONDS,
        state_seconds: float = STATE_SECONDS,
    ):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.index_uid = index_uid
        self.timeout = timeout
        self.batch_size = batch_size or BATCH_SIZE
        self.rebuild_batch_size = batch_size or REBUILD_BATCH_SIZE
        self.task_timeout_ms = task_timeout_ms
        # The client mutates a shared headers dict on every call: one client per thread.
        self._local = threading.local()
        self._cache = StateCache(cache_size, cache_seconds)
        self.state_seconds = state_seconds
        self._state: tuple[float, object] | None = None  # (monotonic time read, state)

    @classmethod
    def from_config(cls, config: Mapping) -> MeilisearchBackend:
        """Build from ``app.config`` (or any mapping with the ``MEILI_*`` keys)."""
        if not config.get("MEILI_URL"):
            raise RuntimeError("MEILI_URL is not set (see docs/meilisearch.md)")
        return cls(
            config["MEILI_URL"],
            config.get("MEILI_API_KEY"),
            index_uid=config.get("MEILI_INDEX") or "agencies",
            timeout=float(config.get("MEILI_TIMEOUT") or 1.5),
            cache_size=int(config.get("MEILI_CACHE_SIZE", CACHE_SIZE)),
            cache_seconds=float(config.get("MEILI_CACHE_SECONDS", CACHE_SECONDS)),
            state_seconds=float(config.get("MEILI_STATE_SECONDS", STATE_SECONDS)),
        )

    def __repr__(self) -> str:
        return f"<MeilisearchBackend {self.url} index={self.index_uid!r}>"

    @property
    def tmp_uid(self) -> str:
        """The index a rebuild fills before swapping it with the live one."""
        return f"{self.index_uid}_tmp"

    # -- clients ---------------------------------------------------------------------------

    def _client(self, *, write: bool = False) -> KeepAliveClient:
        """This thread's client: reads time out fast; writes may upload megabytes, except
        inside a web request, where they are held to the same brief wait as their tasks.
        Each keeps its connections alive, in this process only (not across a fork)."""
        in_request = write and has_request_context()
        name = "request_writer" if in_request else "writer" if write else "reader"
        client = getattr(self._local, name, None)
        if client is None or client.pid != os.getpid():
            timeout = {
                "reader": (min(CONNECT_TIMEOUT, self.timeout), self.timeout),
                "writer": WRITE_TIMEOUT,
                "request_writer": (CONNECT_TIMEOUT, REQUEST_WAIT_MS / 1000),
            }[name]
            # The client hands ``timeout`` to requests, which takes a (connect, read) pair.
            client = KeepAliveClient(self.url, self.api_key, timeout=timeout)
            setattr(self._local, name, client)
        return client

    def _tasks(self) -> TaskRunner:
        wait = min(REQUEST_WAIT_MS, self.task_timeout_ms)
        timeout = wait if has_request_context() else self.task_timeout_ms
        return TaskRunner(self._client(write=True), timeout)

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn "cannot answer now" failures into ``SearchUnavailable``; let bugs through."""
        try:
            yield
        except SearchUnavailable:
            raise
        except Exception as exc:
            if not _unavailable(exc):
                raise
            level = (
                logging.ERROR if getattr(exc, "status_code", 0) in (401, 403) else logging.WARNING
            )
            log.log(level, "meilisearch %s failed: %s: %s", what, type(exc).__name__, exc)
            raise SearchUnavailable(f"{what}: {explain(exc)}") from exc

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """``_guard`` for a write; afterwards this process reads the index's state again."""
        try:
            with self._guard(what):
                yield
        finally:
            self._wrote()

    # -- reads -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """The answer of the index as it is now: kept from an identical search while the
        index is unchanged (``meili.cache``; treat it as read-only), else asked for."""
        started = time.perf_counter()
        key, state = result_key(query), once(self._index_state)
        with self._guard("search"):
            (kept,), generation = self._cache.lookup([key], state)
        if kept is not None:
            result = replace(kept)
        else:
            result = self._ask(query, state)
            self._cache.store(key, replace(result), generation)
        result.took_ms = round((time.perf_counter() - started) * 1000, 1)
        return result

    def _ask(self, query: SearchQuery, state: Callable[[], object]) -> SearchResult:
        """One non-federated multi-search: the page, plus one query per active facet group."""
        queries, groups = build_queries(self.index_uid, query, ALL)
        results = self._multi_search(queries, state)
        ignored: tuple[str, ...] = ()
        if not results[0].get("totalHits") and query.relax and relaxable(query):
            # No agency has every word: do without the least informative (search.relaxation).
            with self._guard("search"):
                found = fewer_words(self._raw_multi_search, self.index_uid, query)
            if found:
                text, ignored = found
                queries, groups = build_queries(self.index_uid, replace(query, text=text), ALL)
                results = self._multi_search(queries, state)
        result = read_result(query, results, groups)
        result.relaxed, result.ignored = bool(ignored), ignored
        result.backend = self.name
        return result

    def _raw_multi_search(self, queries: list[dict]) -> list[dict]:
        """The answers to ``queries`` as they are (counting probes: no facets, no cache)."""
        return self._client().multi_search(queries)["results"]

    def _multi_search(self, queries: list[dict], state: Callable[[], object]) -> list[dict]:
        """The answers to ``queries`` (the page first), facet counts from the cache if fresh."""
        with self._guard("search"):
            return cached_multi_search(self._cache, queries, self._raw_multi_search, state)

    def _index_state(self) -> object:
        """The index's state as last read, if read less than ``state_seconds`` ago, else now.

        A metadata read costs about as much CPU as answering from the cache: one per second
        per process, instead of one per search, and another process's write shows within that
        second. This process's own writes forget the read (``_wrote``).
        """
        seen, now = self._state, time.monotonic()
        if seen is not None and now - seen[0] < self.state_seconds:
            return seen[1]
        state = self._read_index_state()
        self._state = (now, state)
        return state

    def _wrote(self) -> None:
        """This process changed the index: its next search reads the state again."""
        self._state = None

    def _read_index_state(self) -> tuple[str, str] | None:
        """When the live index was created and last changed (a swap changes both), or None
        when the key may not read it (then no cached count is used). An unreachable server
        raises: the search would fail the same way."""
        try:
            raw = self._client().get_raw_index(self.index_uid)
        except MeilisearchApiError as exc:
            if exc.status_code >= 500:
                raise
            return None
        return raw.get("createdAt", ""), raw.get("updatedAt", "")

    def count(self) -> int:
        """Number of documents in the live index."""
        with self._guard("count"):
            return document_count(self._client().index(self.index_uid))

    def health(self) -> tuple[bool, str]:
        """(ok, detail): the server answers ``available`` and the key can read the index,
        within the read timeout (``/health`` alone needs no key, so it hides a wrong one)."""
        try:
            status = self._client().health().get("status", "unknown")
            if status == "available":
                document_count(self._client().index(self.index_uid))
        except Exception as exc:
            if not _unavailable(exc):
                raise
            return False, explain(exc)
        return status == "available", f"{status} ({self.index_uid})"

    def stamps(self) -> dict[int, str]:
        """Every document's id and update stamp, page by page."""
        stamps: dict[int, str] = {}
        index = self._client(write=True).index(self.index_uid)
        offset = 0
        with self._guard("stamps"):
            while True:
                page = index.get_documents(
                    {"fields": ["id", STAMP_FIELD], "limit": PAGE_SIZE, "offset": offset}
                )
                for doc in page.results:
                    stamps[int(doc.id)] = str(getattr(doc, STAMP_FIELD, ""))
                offset += len(page.results)
                if not page.results or offset >= page.total:
                    return stamps

    # -- writes ----------------------------------------------------------------------------

    def upsert(self, documents: list[dict]) -> list[Rejected]:
        """Insert or replace documents; return (and log) those the server rejected."""
        if not documents:
            return []
        index = self._client(write=True).index(self.index_uid)
        with self._writing("upsert"):
            return self._tasks().add_documents(index, documents, self.batch_size).rejected

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by id (unknown ids are ignored)."""
        ids = sorted({int(i) for i in ids})
        index = self._client(write=True).index(self.index_uid)
        tasks = self._tasks()
        with self._writing("delete"):
            for start in range(0, len(ids), self.batch_size):
                chunk = ids[start : start + self.batch_size]
                # delete_documents(ids=...) is deprecated; a filter on the primary key is not.
                tasks.run(
                    lambda c=chunk: index.delete_documents(filter=ids_filter(c)),
                    f"delete {len(chunk)} documents",
                )

    # -- settings and rebuild --------------------------------------------------------------

    def apply_settings(self, documents: Callable[[], Iterable[dict]] | None = None) -> str:
        """Create the index if needed and bring its settings to ``index_settings()``.

        Returns what was done: ``unchanged``, ``updated``, ``rebuilt`` or ``needs-rebuild``.
        Changes that reindex (``REINDEXING``) are never patched into a live index holding
        documents, since every write would queue behind the reindexing: given ``documents``
        (a callable returning them) the index is rebuilt and swapped; otherwise the other
        changes are patched and the rest waits for the next ``reindex``, which applies the
        settings to the new index it builds.
        """
        wanted = index_settings()
        index = self._client(write=True).index(self.index_uid)
        tasks = self._tasks()
        with self._writing("apply settings"):
            self._swapper().ensure(self.index_uid)
            changed, reindexing = differences(index.get_settings(), wanted)
            if not changed:
                return "unchanged"
            if reindexing and document_count(index):
                if documents is not None:
                    self.rebuild(documents())
                    return "rebuilt"
                log.warning(
                    "meilisearch settings %s reindex %s: run `flask --app app reindex`",
                    ", ".join(reindexing),
                    self.index_uid,
                )
                light = {k: wanted[k] for k in changed if k not in reindexing}
                if light:
                    tasks.run(lambda: index.update_settings(light), "update settings")
                return "needs-rebuild"
            log.info("meilisearch settings changed: %s", ", ".join(changed))
            tasks.run(lambda: index.update_settings(wanted), "update settings")
            return "updated"

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Fill ``<index>_tmp`` with settings and documents, check it, swap, drop the old one.

        Returns the number of documents now live. Writes that reached the live index while
        this ran are overwritten by the swap: the caller replays the changes (outbox rows)
        recorded since it started. On any failure the live index is untouched (``meili.swap``).
        """
        with self._writing("rebuild"):
            actual = self._swapper().rebuild(documents, self.rebuild_batch_size, REBUILD_WINDOW)
        log.info("meilisearch rebuilt %s: %d documents", self.index_uid, actual)
        return actual

    def _swapper(self) -> IndexSwap:
        return IndexSwap(self._client(write=True), self._tasks(), self.index_uid, self.tmp_uid)


__all__ = ["MeilisearchBackend", "RebuildFailed"]
