"""The embedded index's files: the live pointer, the write lock, and one SQLite file per index.

``IndexDir`` is the directory (``SEARCH_INDEX_PATH``): which file is live (``CURRENT``,
switched with ``os.replace``), and the lock every writer takes. The functions below read and
write one index file: documents, the change log, and the pickled read model (snapshot).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ..base import dumps_document
from .model import Model

POINTER = "CURRENT"
LOCK = ".write.lock"
LOG_KEEP = 200_000  # log rows kept; a reader further behind reloads the snapshot
SNAPSHOT_EVERY = 20_000  # log rows after which a writer refreshes the snapshot
SNAPSHOT_FORMAT = 4  # bump when Model's attributes change: older snapshots are then ignored
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL, updated TEXT);
CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection to an index file (created with its schema), in WAL mode."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    return conn


def new_name() -> str:
    """A fresh, unique index file name."""
    return f"index-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.sqlite"


class IndexDir:
    """The index directory: the live file's name, the writers' lock, old files."""

    def __init__(self, path: Path):
        self.path = path

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writers' lock (one writer at a time, across processes)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def live_name(self) -> str | None:
        """The live file's name, or None before the first index."""
        try:
            return (self.path / POINTER).read_text().strip() or None
        except FileNotFoundError:
            return None

    def pointer_key(self) -> tuple | None:
        """What identifies the pointer's current content cheaply (None when missing)."""
        try:
            stat = (self.path / POINTER).stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def switch(self, name: str) -> None:
        """Make ``name`` the live file, atomically."""
        tmp = self.path / f"{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.path / POINTER)

    def ensure_live(self) -> str:
        """The live file's name, creating an empty index on first use (call under the lock)."""
        name = self.live_name()
        if name is None or not (self.path / name).exists():
            name = new_name()
            connect(self.path / name).close()
            self.switch(name)
        return name

    def cleanup(self, keep: set[str]) -> None:
        """Remove index files other than the live one and the one it replaced."""
        for path in self.path.glob("index-*.sqlite*"):
            base = path.name.split(".sqlite")[0] + ".sqlite"
            if base not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def fetch_bodies(conn: sqlite3.Connection, ids: list[int]):
    """(id, JSON body) of the stored documents among ``ids``."""
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(f"SELECT id, body FROM docs WHERE id IN ({marks})", chunk)  # noqa: S608


def write_rows(conn, documents: list[dict], deletions: list[int], log_changes=True) -> None:
    """Store and delete documents, appending their ids to the change log."""
    if documents:
        conn.executemany(
            "INSERT OR REPLACE INTO docs (id, body, updated) VALUES (?, ?, ?)",
            [(int(d["id"]), _json(d), str(d.get("updated", ""))) for d in documents],
        )
    if deletions:
        conn.executemany("DELETE FROM docs WHERE id = ?", [(int(i),) for i in deletions])
    if log_changes:
        changed = [int(d["id"]) for d in documents] + [int(i) for i in deletions]
        conn.executemany("INSERT INTO log (doc_id) VALUES (?)", [(i,) for i in changed])


def _json(document: dict) -> str:
    """The stored text of a document: the reader's own JSON when it came with one."""
    return getattr(document, "json", None) or dumps_document(document)


def store_snapshot(conn: sqlite3.Connection, model: Model, seq: int) -> None:
    """Save ``model`` (as of log position ``seq``) in the file."""
    blob = pickle.dumps((SNAPSHOT_FORMAT, model, seq), protocol=pickle.HIGHEST_PROTOCOL)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot', ?)", (blob,))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_seq', ?)", (seq,))


def load_snapshot(conn: sqlite3.Connection) -> tuple[Model, int] | None:
    """The file's saved model and its log position; None when there is none.

    Raises when the snapshot is unusable (an older code's format).
    """
    row = conn.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
    if row is None:
        return None
    # Our own file, written by this code under the index directory (never user input).
    fmt, model, seq = pickle.loads(row[0])  # noqa: S301
    if fmt != SNAPSHOT_FORMAT:
        raise ValueError(f"snapshot format {fmt}")
    return model, seq


def full_model(conn: sqlite3.Connection) -> tuple[Model, int]:
    """A model of every document and the log position it reflects (one read snapshot)."""
    model = Model()
    conn.execute("BEGIN")
    try:
        seq = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]
        for (body,) in conn.execute("SELECT body FROM docs ORDER BY id"):
            model.add(json.loads(body))
    finally:
        conn.execute("COMMIT")
    return model, seq
