"""The embedded search engine: no server, one SQLite index file, a read model per process.

Layout of ``SEARCH_INDEX_PATH`` (a directory)::

    CURRENT                 name of the live index file (switched with os.replace)
    index-<stamp>.sqlite    documents (JSON), a change log, and a pickled read model
    .write.lock             flock taken by every writer (one writer at a time)

Writers (the web worker after a commit, ``search-sync``, ``reindex``) take the lock, write
documents and append their ids to ``log`` in one SQLite transaction (WAL: readers never wait).
Each process keeps a ``Model`` in memory; before a search it checks, cheaply, whether
``CURRENT`` changed (then it loads the new file's snapshot) or whether another connection
committed (``PRAGMA data_version``; then it applies the log rows it has not seen yet).
A rebuild fills a new file, snapshots its model, copies the writes that reached the old file
meanwhile, and switches ``CURRENT``: readers answer from the old file until then.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import pickle
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..base import (
    FACETS,
    SORTS,
    SearchBackend,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    dumps_document,
)
from .model import Model
from .query import run

log = logging.getLogger(__name__)

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


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    return conn


class EmbeddedBackend(SearchBackend):
    """Search on an index file under ``path``, shared safely by several processes."""

    name = "embedded"

    def __init__(self, path: str | os.PathLike):
        self.dir = Path(path)
        self._lock = threading.RLock()
        self._file: str | None = None
        self._pointer_key: tuple | None = None
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._seq = 0
        self._model = Model()
        self._preloading: threading.Thread | None = None
        self._preloaded = False
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (b := ref()) is not None and b._after_fork())

    def _after_fork(self) -> None:
        """In a forked child (gunicorn ``--preload``): keep the model, not the handles.

        The parent's SQLite connection is never used nor closed here (closing it would drop
        the parent's locks); the child opens its own on the next search and re-checks
        ``CURRENT`` and the change log, so a model loaded before the fork is brought up to date.
        """
        if self._preloading is not None and not self._preloaded:
            # Forked in the middle of the parent's preload: the state may be half assigned.
            self._file, self._model, self._seq = None, Model(), 0
        self._lock = threading.RLock()
        self._conn = None
        self._pointer_key = None
        self._data_version = None
        self._preloading = None

    def preload(self, background: bool = True) -> threading.Thread | None:
        """Load the live index's snapshot now (in a daemon thread), not on the first search.

        Nothing happens when there is no index yet. The first search waits on the same lock
        while the thread loads, then answers from the loaded model.
        """
        if self._live_name() is None:
            return None
        if not background:
            self.warm()
            self._preloaded = True
            return None

        def load() -> None:
            try:
                self.warm()
                self._preloaded = True
            except Exception:  # the first search will retry and report
                log.exception("search index preload failed")

        self._preloading = threading.Thread(target=load, name="search-preload", daemon=True)
        self._preloading.start()
        return self._preloading

    def warm(self) -> None:
        """Load the live index, then build what the first searches would build lazily.

        One browse with every facet and one search per sort fill the numpy mirrors, the sort
        ranks and the facet index, so the first visitors after a start or a rebuild do not pay
        for them (about half a second at 100,000 agencies).
        """
        queries = [SearchQuery(facets=FACETS)]
        queries += [SearchQuery(sort=sort, per_page=1, facets=()) for sort in SORTS]
        queries.append(SearchQuery(text="a", per_page=1, facets=()))
        with self._lock:
            self._refresh()
            for query in queries:
                run(self._model, query)
            self._model.set_columns()  # the numpy mirrors big results count facets with

    def __repr__(self) -> str:
        return f"<EmbeddedBackend {self.dir}>"

    # -- files and locks ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _live_name(self) -> str | None:
        try:
            return (self.dir / POINTER).read_text().strip() or None
        except FileNotFoundError:
            return None

    def _switch(self, name: str) -> None:
        tmp = self.dir / f"{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.dir / POINTER)

    def _ensure_live(self) -> str:
        """The live file's name, creating an empty index on first use (call under the lock)."""
        name = self._live_name()
        if name is None or not (self.dir / name).exists():
            name = f"index-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.sqlite"
            _connect(self.dir / name).close()
            self._switch(name)
        return name

    # -- reading -----------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Bring the in-memory model up to date with the live file (cheap when nothing moved)."""
        if self._conn is None and self._file is not None:  # after a fork: our own handle
            path = self.dir / self._file
            if path.exists():
                self._conn = _connect(path)
            else:
                self._file = None
        try:
            stat = (self.dir / POINTER).stat()
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            key = None
        if key is None or key != self._pointer_key:
            name = self._live_name()
            if name is None:
                with self._writing():
                    name = self._ensure_live()
                stat = (self.dir / POINTER).stat()
                key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            self._pointer_key = key
            if name != self._file:
                self._load(name)
                return
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._apply_log()

    def _load(self, name: str) -> None:
        conn = _connect(self.dir / name)
        model, seq = Model(), 0
        row = conn.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
        try:
            # Our own file, written by this code under the index directory (never user input).
            fmt, model, seq = pickle.loads(row[0])  # noqa: S301
            if fmt != SNAPSHOT_FORMAT:
                raise ValueError(f"snapshot format {fmt}")
        except Exception as exc:  # missing, older code's format: rebuild from the documents
            if row is not None:
                log.info("search snapshot not usable (%s); loading the documents", exc)
            model, seq = self._full_model(conn)
        old = self._conn
        self._conn, self._file, self._model, self._seq = conn, name, model, seq
        self._data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        self._apply_log()
        if old is not None:
            old.close()

    def _apply_log(self) -> None:
        conn = self._conn
        low = conn.execute("SELECT min(seq) FROM log").fetchone()[0]
        if low is not None and low > self._seq + 1 and self._seq > 0:
            self._model, self._seq = self._full_model(conn)  # fell behind the kept log
        rows = conn.execute(
            "SELECT seq, doc_id FROM log WHERE seq > ? ORDER BY seq", (self._seq,)
        ).fetchall()
        if not rows:
            return
        ids = list(dict.fromkeys(doc_id for _, doc_id in rows))
        bodies = dict(_fetch_bodies(conn, ids))
        for doc_id in ids:
            body = bodies.get(doc_id)
            if body is None:
                self._model.remove(doc_id)
            else:
                self._model.add(json.loads(body))
        self._seq = rows[-1][0]

    @staticmethod
    def _full_model(conn: sqlite3.Connection) -> tuple[Model, int]:
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

    def search(self, query: SearchQuery) -> SearchResult:
        """Answer from the in-memory model, refreshed from the index file first."""
        started = time.perf_counter()
        with self._lock:
            try:
                self._refresh()
            except (sqlite3.Error, OSError) as exc:
                if self._file is None:
                    raise SearchUnavailable(str(exc)) from exc
                log.warning("search index refresh failed, answering from memory: %s", exc)
            result = run(self._model, query)
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        result.backend = self.name
        return result

    def count(self) -> int:
        """Documents in the live index."""
        with self._lock:
            self._refresh()
            return self._model.count

    def health(self) -> tuple[bool, str]:
        """Whether the live index file answers, and how many documents it holds."""
        try:
            count = self.count()
        except Exception as exc:  # any failure to read the index means "down"
            return False, type(exc).__name__
        return True, f"{count} documents ({self._file})"

    def stamps(self) -> dict[int, str]:
        """Document id → update stamp, from the live file."""
        with self._lock:
            self._refresh()
            rows = self._conn.execute("SELECT id, updated FROM docs").fetchall()
        return {int(i): str(u or "") for i, u in rows}

    # -- writing -----------------------------------------------------------------------------

    def apply_settings(self) -> None:
        """Create the index directory and an empty live index if there is none."""
        with self._writing():
            self._ensure_live()

    def upsert(self, documents: list[dict]) -> None:
        """Write whole documents to the live file (replacing by id)."""
        documents = list(documents)
        if documents:
            self._write(documents, [])

    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents; unknown ids are ignored."""
        ids = [int(i) for i in ids]
        if ids:
            self._write([], ids)

    def _write(self, documents: list[dict], deletions: list[int]) -> None:
        with self._writing():
            name = self._ensure_live()
            conn = _connect(self.dir / name)
            try:
                conn.execute("BEGIN IMMEDIATE")
                _write_rows(conn, documents, deletions)
                conn.execute("COMMIT")
                self._maybe_snapshot(conn)
            finally:
                conn.close()

    def _maybe_snapshot(self, conn: sqlite3.Connection) -> None:
        """Refresh the file's snapshot when many log rows piled up since the last one."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'snapshot_seq'").fetchone()
        since = int(row[0]) if row else 0
        top = conn.execute("SELECT max(seq) FROM log").fetchone()[0] or 0
        if top - since < SNAPSHOT_EVERY:
            return
        with self._lock:
            self._refresh()
            if self._conn is not None:
                _store_snapshot(conn, self._model, self._seq)
        conn.execute("DELETE FROM log WHERE seq < ?", (top - LOG_KEEP,))

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Build a new index file from ``documents`` and switch to it without downtime.

        Writes that reach the old file while this runs are carried over before the switch.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._writing():
            old_name = self._ensure_live()
        old_conn = _connect(self.dir / old_name)
        start_seq = old_conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]
        name = f"index-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.sqlite"
        path = self.dir / name
        conn = _connect(path)
        # Nobody reads the new file before the switch: no journal while filling it.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        model = Model()
        try:
            batch: list[dict] = []
            conn.execute("BEGIN")
            for doc in documents:
                batch.append(doc)
                model.add(doc)
                if len(batch) >= 1000:
                    _write_rows(conn, batch, [], log_changes=False)
                    batch = []
            _write_rows(conn, batch, [], log_changes=False)
            _store_snapshot(conn, model, 0)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            with self._writing():
                current = self._live_name()
                if current == old_name:
                    self._carry_over(old_conn, conn, start_seq)
                self._switch(name)
        except BaseException:
            conn.close()
            old_conn.close()
            path.unlink(missing_ok=True)
            raise
        old_conn.close()
        with self._lock:  # this process answers from the model it just built
            previous, self._conn = self._conn, conn
            self._file, self._model, self._seq = name, model, 0
            self._data_version = None
            self._pointer_key = None
            self._apply_log()  # what was carried over
            self.warm()
        if previous is not None:
            previous.close()
        self._cleanup(keep={name, old_name})
        return model.count

    @staticmethod
    def _carry_over(old: sqlite3.Connection, new: sqlite3.Connection, since: int) -> None:
        ids = [
            doc_id
            for (doc_id,) in old.execute(
                "SELECT DISTINCT doc_id FROM log WHERE seq > ? ORDER BY seq", (since,)
            )
        ]
        if not ids:
            return
        bodies = dict(_fetch_bodies(old, ids))
        documents = [json.loads(bodies[i]) for i in ids if i in bodies]
        deletions = [i for i in ids if i not in bodies]
        new.execute("BEGIN IMMEDIATE")
        _write_rows(new, documents, deletions)
        new.execute("COMMIT")

    def _cleanup(self, keep: set[str]) -> None:
        """Remove index files other than the live one and the one it replaced."""
        for path in self.dir.glob("index-*.sqlite*"):
            base = path.name.split(".sqlite")[0] + ".sqlite"
            if base not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def _fetch_bodies(conn: sqlite3.Connection, ids: list[int]):
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        yield from conn.execute(f"SELECT id, body FROM docs WHERE id IN ({marks})", chunk)  # noqa: S608


def _write_rows(conn, documents: list[dict], deletions: list[int], log_changes=True) -> None:
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


def _store_snapshot(conn: sqlite3.Connection, model: Model, seq: int) -> None:
    blob = pickle.dumps((SNAPSHOT_FORMAT, model, seq), protocol=pickle.HIGHEST_PROTOCOL)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot', ?)", (blob,))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_seq', ?)", (seq,))
