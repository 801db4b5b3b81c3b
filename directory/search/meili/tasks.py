"""Meilisearch writes as checked tasks: wait, read the outcome, isolate rejected documents.

Every write is an asynchronous task. ``wait_for_task`` raises only on timeout; a failed task
comes back with ``status == "failed"`` and ``error["code"]``, so each outcome is read here.
One invalid document fails its whole batch: the batch is split in halves until the bad
documents stand alone, they are reported with their agency id, and the others are indexed.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from meilisearch.errors import MeilisearchApiError

log = logging.getLogger(__name__)

# Task error codes that blame the documents of the request rather than the index or server.
DOCUMENT_ERRORS = frozenset(
    {
        "invalid_document_id",
        "missing_document_id",
        "invalid_document_fields",
        "invalid_document_geo_field",
        "invalid_document_geojson_field",
        "invalid_vectors_type",
        "invalid_document_vectors",
        "document_fields_limit_reached",
        "max_fields_limit_exceeded",
        "malformed_payload",
        "payload_too_large",
    }
)


class TaskFailed(RuntimeError):
    """A Meilisearch task ended ``failed`` or ``canceled``: its uid, error code and message."""

    def __init__(self, what: str, uid: int | None, status: str, code: str | None, message: str):
        super().__init__(f"{what}: task {uid} {status} ({code}): {message}")
        self.what = what
        self.uid = uid
        self.status = status
        self.code = code
        self.message = message

    @property
    def blames_documents(self) -> bool:
        """True when splitting the batch can isolate the culprit."""
        return self.code in DOCUMENT_ERRORS


@dataclass(frozen=True)
class Rejected:
    """A document the server refused, and why."""

    id: object
    code: str | None
    message: str


@dataclass
class Loaded:
    """What an ``add_documents`` run sent (distinct ids) and what the server refused."""

    ids: set = field(default_factory=set)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        """Distinct documents the index should now hold from this run."""
        return len(self.ids - {r.id for r in self.rejected})


def batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    """Consecutive lists of ``size`` items (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def check_task(task, what: str) -> None:
    """Raise ``TaskFailed`` unless the finished ``task`` succeeded."""
    if task.status == "succeeded":
        return
    error = task.error or {}
    raise TaskFailed(
        what, task.uid, task.status, error.get("code"), error.get("message", task.status)
    )


class TaskRunner:
    """Submits writes and waits for them on one client, with one timeout for every wait."""

    def __init__(self, client, timeout_ms: int, interval_ms: int = 50):
        self.client = client
        self.timeout_ms = timeout_ms
        self.interval_ms = interval_ms

    def wait(self, task_uid: int, what: str) -> None:
        """Wait for a task (``MeilisearchTimeoutError`` past the timeout) and check it."""
        task = self.client.wait_for_task(
            task_uid, timeout_in_ms=self.timeout_ms, interval_in_ms=self.interval_ms
        )
        check_task(task, what)

    def run(self, submit: Callable[[], object], what: str) -> None:
        """Submit one write (a call returning ``TaskInfo``) and wait for its success."""
        self.wait(submit().task_uid, what)

    def add_documents(
        self, index, documents: Iterable[dict], batch_size: int, window: int = 4
    ) -> Loaded:
        """Index ``documents`` in batches; report the ids sent and the documents rejected.

        Up to ``window`` batches are in flight, so the server indexes one while the next is
        sent, and memory holds a few batches whatever the size of ``documents`` (a
        generator over the whole directory during a rebuild). A batch refused because of its
        content is split until each bad document is alone; any other failure (index gone,
        server error) is raised.
        """
        loaded = Loaded()
        pending: deque[tuple[list[dict], int | TaskFailed]] = deque()
        for batch in batches(documents, batch_size):
            loaded.ids.update(d.get("id") for d in batch)
            pending.append((batch, self._submit(index, batch)))
            if len(pending) > window:
                loaded.rejected.extend(self._settle(index, *pending.popleft()))
        while pending:
            loaded.rejected.extend(self._settle(index, *pending.popleft()))
        for item in loaded.rejected:
            log.error(
                "search document for agency %s rejected (%s): %s", item.id, item.code, item.message
            )
        return loaded

    def _submit(self, index, batch: Sequence[dict]) -> int | TaskFailed:
        try:
            return index.add_documents(list(batch), primary_key="id").task_uid
        except MeilisearchApiError as exc:
            if exc.code not in DOCUMENT_ERRORS and exc.status_code != 413:
                raise
            # Refused before queueing (payload too large, malformed JSON): same remedy.
            code = exc.code or "payload_too_large"  # a proxy's bare 413 has no code
            return TaskFailed("add documents", None, "refused", code, exc.message)

    def _settle(self, index, batch: Sequence[dict], submitted: int | TaskFailed) -> list[Rejected]:
        try:
            if isinstance(submitted, TaskFailed):
                raise submitted
            self.wait(submitted, f"add {len(batch)} documents")
        except TaskFailed as exc:
            if not exc.blames_documents:
                raise
            if len(batch) == 1:
                return [Rejected(batch[0].get("id"), exc.code, exc.message)]
            half = len(batch) // 2
            return [
                *self._settle(index, batch[:half], self._submit(index, batch[:half])),
                *self._settle(index, batch[half:], self._submit(index, batch[half:])),
            ]
        return []
