"""The zero-downtime rebuild's steps: fill a spare index, check it, swap it in, drop the old.

The shape of warehouse's reindex (``warehouse/search/tasks.py``): build a fresh index beside
the live one, and let visitors see it only once it holds everything, by an atomic swap.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from meilisearch.errors import MeilisearchApiError

from .client import KeepAliveClient
from .settings import index_settings
from .tasks import TaskFailed, TaskRunner

log = logging.getLogger(__name__)


class RebuildFailed(RuntimeError):
    """The new index did not hold what was sent; the live index was left untouched."""


def document_count(index) -> int:
    """Documents in ``index``, read from the documents route: the app's key needs no
    ``stats.get`` (see docs/meilisearch.md for the key's actions)."""
    return index.get_documents({"fields": ["id"], "limit": 1}).total


class IndexSwap:
    """Rebuild ``live`` through the spare index ``spare`` with one writer client."""

    def __init__(self, client: KeepAliveClient, tasks: TaskRunner, live: str, spare: str):
        self.client, self.tasks, self.live, self.spare = client, tasks, live, spare

    def rebuild(self, documents: Iterable[dict], batch_size: int, window: int) -> int:
        """Fill the spare index with settings and documents, check it, swap, drop the old one
        (the number of documents now live). On any failure the live index is untouched."""
        spare = self.client.index(self.spare)
        self.drop(self.spare)
        self.tasks.run(
            lambda: self.client.create_index(self.spare, {"primaryKey": "id"}),
            "create " + self.spare,
        )
        try:
            self.tasks.run(lambda: spare.update_settings(index_settings()), "settings")
            expected = self.tasks.add_documents(spare, documents, batch_size, window).indexed
            actual = document_count(spare)
            if actual != expected:
                raise RebuildFailed(f"{self.spare} holds {actual} documents, not {expected}")
            self.ensure(self.live)
            self.swap()
        except BaseException:
            self.discard(self.spare)
            raise
        self.discard(self.spare)  # now the previous live index; the swap already won
        return actual

    def swap(self) -> None:
        """Swap the live and the spare index, and wait until the swap has taken effect.

        A key scoped to named indexes (as the README advises) cannot read swap tasks, whose
        ``indexUid`` is null: Meilisearch answers ``task_not_found``. Then the swap is
        confirmed by its effect: index metadata moves with the content, so the live index
        takes the ``createdAt`` of the index built here.
        """
        built = self.client.get_raw_index(self.spare)["createdAt"]
        task = self.client.swap_indexes([{"indexes": [self.live, self.spare]}])
        try:
            self.tasks.wait(task.task_uid, "swap")
        except MeilisearchApiError as exc:
            if exc.code != "task_not_found":
                raise
            deadline = time.monotonic() + self.tasks.timeout_ms / 1000
            while self.client.get_raw_index(self.live)["createdAt"] != built:
                if time.monotonic() > deadline:
                    raise TaskFailed(
                        "swap", task.task_uid, "unconfirmed", None, "the live index did not change"
                    ) from exc
                time.sleep(0.05)

    def ensure(self, uid: str) -> None:
        """Create ``uid`` (empty) unless it exists."""
        try:
            self.client.get_raw_index(uid)
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            self.tasks.run(lambda: self.client.create_index(uid, {"primaryKey": "id"}), "create")

    def discard(self, uid: str) -> None:
        """Best-effort drop of a spare index; the next rebuild drops a leftover anyway."""
        try:
            self.drop(uid)
        except Exception as exc:
            log.warning("could not drop %s: %s", uid, exc)

    def drop(self, uid: str) -> None:
        """Delete ``uid``; an index already gone is fine."""
        try:
            self.tasks.run(lambda: self.client.delete_index(uid), "drop " + uid)
        except TaskFailed as exc:
            if exc.code != "index_not_found":
                raise
