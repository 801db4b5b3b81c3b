"""Rebuilding the search index from the database without downtime (``flask reindex``)."""

from __future__ import annotations

import datetime as dt

from . import get_backend, outbox
from .base import SearchBackend
from .documents import iter_documents_for_rebuild


def reindex(backend: SearchBackend | None = None, on: dt.date | None = None) -> tuple[int, int]:
    """Rebuild the index from the database without downtime, then replay the outbox.

    Returns (documents indexed, outbox rows replayed). Searches answer from the old index
    until the new one is complete; changes made meanwhile wait in the outbox.
    """
    backend = backend or get_backend()
    with outbox.paused():
        count = backend.rebuild(iter_documents_for_rebuild(on))
    return count, outbox.drain_all(backend=backend, on=on)
