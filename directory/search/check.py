"""Compare a search index with the database and repair the drift, on any backend.

Only the interface is used: ``stamps()`` (id → update stamp) on the index side, the documents
builder on the database side, then ``upsert`` / ``delete`` for what differs. Memory stays at
one stamp per agency; documents are rebuilt only for the ids that need repair.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .base import SearchBackend

BATCH = 500


@dataclass
class Drift:
    """What the index got wrong, and what was done about it."""

    indexed: int
    listed: int
    missing: list[int] = field(default_factory=list)  # listed, not in the index
    stale: list[int] = field(default_factory=list)  # in the index with an old stamp
    extra: list[int] = field(default_factory=list)  # in the index, no longer listed
    repaired: bool = False
    rejected: list = field(default_factory=list)  # documents the engine refused on repair

    @property
    def clean(self) -> bool:
        """True when the index matched the database."""
        return not (self.missing or self.stale or self.extra)

    def lines(self) -> list[str]:
        """A human report, one finding per line."""
        out = [f"index: {self.indexed} documents; database: {self.listed} listed agencies"]
        if self.clean:
            return [*out, "in sync"]
        for label, ids in (("missing", self.missing), ("stale", self.stale), ("extra", self.extra)):
            if ids:
                shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
                out.append(f"{label}: {len(ids)} ({shown})")
        if self.repaired:
            out.append(
                f"fixed: upserted {len(self.missing) + len(self.stale) - len(self.rejected)},"
                f" deleted {len(self.extra)}"
            )
        for item in self.rejected:
            out.append(f"rejected: agency {item.id} ({item.code}): {item.message}")
        return out


def database_stamps(on: dt.date | None = None) -> dict[int, str]:
    """id → stamp of every listed agency's document, as the index should hold it."""
    from .documents import STAMP_FIELD, iter_documents

    return {doc["id"]: doc[STAMP_FIELD] for doc in iter_documents(on)}


def check_index(backend: SearchBackend, *, repair: bool = True, on: dt.date | None = None) -> Drift:
    """Compare ``backend``'s index with the database as of ``on``; with ``repair``, fix it."""
    from .documents import build_documents

    wanted = database_stamps(on)
    live = backend.stamps()
    drift = Drift(
        indexed=len(live),
        listed=len(wanted),
        missing=sorted(wanted.keys() - live.keys()),
        stale=sorted(i for i in wanted.keys() & live.keys() if live[i] != wanted[i]),
        extra=sorted(live.keys() - wanted.keys()),
    )
    if not repair or drift.clean:
        return drift
    to_send = drift.missing + drift.stale
    to_delete = set(drift.extra)
    for start in range(0, len(to_send), BATCH):
        # Rebuilt now, not reused: an agency edited since the comparison is sent as it is now.
        documents, gone = build_documents(to_send[start : start + BATCH], on=on)
        drift.rejected.extend(backend.upsert(documents) or [])
        to_delete.update(gone)
    if to_delete:
        backend.delete(sorted(to_delete))
    drift.repaired = True
    return drift
