"""The embedded index's files: the live pointer, the write lock, and one SQLite file per index.

``IndexDir`` is the directory (``SEARCH_INDEX_PATH``): which file is live (``CURRENT``,
switched with ``os.replace``), and the lock every writer takes. The functions below read and
write one index file: documents, the change log, and the read model's snapshot (``snapshot``:
data only, never pickle).

``CURRENT`` is read only as a file name inside the directory (``index-<stamp>-<hex>.sqlite``);
anything else, or a named file that is missing, is ``IndexBroken``: searches answer "search
unavailable" and ``/healthz`` "degraded" until ``reindex`` builds a new file and repoints it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ...private_files import create_private_file, private_dir, write_private_text
from ..base import SearchUnavailable, dumps_document
from . import snapshot
from .model import Model

log = logging.getLogger(__name__)

POINTER = "CURRENT"
LOCK = ".write.lock"
LOG_KEEP = 200_000  # log rows kept; a reader further behind reloads the snapshot
SNAPSHOT_EVERY = 20_000  # log rows after which a writer refreshes the snapshot
NAME = re.compile(r"index-\d{8}T\d{6}-[0-9a-f]{8}\.sqlite")  # what new_name makes, nothing else
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL, updated TEXT);
CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection to an index file (created with its schema), in WAL mode."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
    except BaseException:  # not a database (a damaged file): no handle left open
        conn.close()
        raise
    return conn


def new_name() -> str:
    """A fresh, unique index file name."""
    return f"index-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.sqlite"


class IndexBroken(SearchUnavailable):
    """The live index is missing or unreadable: ``reindex`` replaces it."""


class IndexDir:
    """The index directory: the live file's name, the writers' lock, old files."""

    def __init__(self, path: Path):
        self.path = path

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writers' lock (one writer at a time, across processes)."""
        private_dir(self.path)  # index files hold unpublished profile text: 0700/0600
        with open(create_private_file(self.path / LOCK), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def live_name(self) -> str | None:
        """The live file's name, or None before the first index; never a path elsewhere."""
        try:
            name = (self.path / POINTER).read_text(errors="replace").strip()
        except FileNotFoundError:
            return None
        if not NAME.fullmatch(name):
            raise IndexBroken(f"{POINTER} does not name an index file: run reindex")
        return name

    def live_name_or_none(self) -> str | None:
        """``live_name``, or None when the pointer is unusable."""
        try:
            return self.live_name()
        except IndexBroken:
            return None

    def has_index_files(self) -> bool:
        """Whether index files exist (then a missing pointer means a damaged directory)."""
        return any(self.path.glob("index-*.sqlite"))

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
        write_private_text(tmp, name)
        os.replace(tmp, self.path / POINTER)

    def ensure_live(self) -> str:
        """The live file's name, creating an empty index on first use (call under the lock).

        Only a directory without index files is a first use: a pointer that is missing beside
        index files, or names a missing file, raises ``IndexBroken`` rather than silently
        starting an empty index.
        """
        name = self.live_name()
        if name is None:
            if self.has_index_files():
                raise IndexBroken(f"{POINTER} is missing: run reindex")
            name = new_name()
            connect(create_private_file(self.path / name)).close()
            self.switch(name)
        elif not (self.path / name).exists():
            raise IndexBroken(f"the live index file {name} is missing: run reindex")
        return name

    def cleanup(self, keep: set[str]) -> None:
        """Remove index files other than the live one and the one it replaced."""
        for path in self.path.glob("index-*.sqlite*"):
            base = path.name.split(".sqlite")[0] + ".sqlite"
            if base not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def file_key(path: Path) -> tuple | None:
    """(device, inode) of a file, None when it is missing: tells a replaced file apart."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino)


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
    try:
        blob = snapshot.dumps(model, seq)
    except snapshot.SnapshotError:
        # A Model attribute the format does not store yet (the round-trip test names it):
        # workers then load the documents, slower but right, rather than a partial model.
        log.exception("search snapshot not stored")
        conn.execute("DELETE FROM meta WHERE key = 'snapshot'")
        return
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot', ?)", (blob,))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_seq', ?)", (seq,))


def load_snapshot(conn: sqlite3.Connection) -> tuple[Model, int] | None:
    """The file's saved model and its log position; None when there is none.

    Raises ``snapshot.SnapshotError`` when it is unusable (an older code's format, such as
    the pickles of earlier versions, which are never unpickled).
    """
    row = conn.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
    if row is None:
        return None
    return snapshot.loads(row[0])


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
