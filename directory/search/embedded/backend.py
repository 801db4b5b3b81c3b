"""The embedded search engine: no server, one SQLite index file, a read model per process.

Layout of ``SEARCH_INDEX_PATH`` (a directory)::

    CURRENT                 name of the live index file (switched with os.replace)
    index-<stamp>.sqlite    documents (JSON), a change log, and a snapshot of the read model
    .write.lock             flock taken by every writer (one writer at a time)

Writers (the web worker after a commit, ``search-sync``, ``reindex``) take the lock, write
documents and append their ids to ``log`` in one SQLite transaction (WAL: readers never wait).
Each process keeps a ``Model`` in memory; before a search it checks, cheaply, whether
``CURRENT`` changed (then it loads the new file's snapshot) or whether another connection
committed (``PRAGMA data_version``; then it applies the log rows it has not seen yet).
A rebuild fills a new file, snapshots its model, copies the writes that reached the old file
meanwhile, and switches ``CURRENT``: readers answer from the old file until then.

A live index that disappears or cannot be read (``IndexBroken``) is never replaced by an
empty one behind the readers' back: searches raise ``SearchUnavailable`` (the site's 503
page), ``health`` reports it, and the next rebuild replaces the broken file.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

from ...private_files import create_private_file, private_dir
from ..base import FACETS, SORTS, SearchBackend, SearchQuery, SearchResult, SearchUnavailable
from .model import Model
from .query import run
from .store import (
    LOG_KEEP,
    POINTER,
    SNAPSHOT_EVERY,
    IndexBroken,
    IndexDir,
    connect,
    fetch_bodies,
    file_key,
    full_model,
    load_snapshot,
    new_name,
    store_snapshot,
    write_rows,
)

log = logging.getLogger(__name__)


class EmbeddedBackend(SearchBackend):
    """Search on an index file under ``path``, shared safely by several processes."""

    name = "embedded"

    def __init__(self, path: str | os.PathLike):
        self.dir = Path(path)
        self._files = IndexDir(self.dir)
        self._lock = threading.RLock()
        self._file: str | None = None
        self._file_key: tuple | None = None  # (device, inode) of the open file
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
        if self._files.live_name() is None:
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

    # -- reading -----------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Bring the in-memory model up to date with the live file (cheap when nothing moved)."""
        if self._conn is None and self._file is not None:  # after a fork: our own handle
            path = self.dir / self._file
            if path.exists():
                self._conn = connect(path)
            else:
                self._file = None
        key = self._files.pointer_key()
        if key is None or key != self._pointer_key:
            name = self._files.live_name()
            if name is None:
                if self._file is not None:
                    raise IndexBroken(f"{POINTER} was removed: run reindex")
                with self._files.writing():
                    name = self._files.ensure_live()
                key = self._files.pointer_key()
            if name != self._file:
                self._load(name)
                self._pointer_key = key  # only once loaded: a failed load is retried
                return
            self._pointer_key = key
        if file_key(self.dir / self._file) != self._file_key:
            # Deleted, or replaced under the same name: what is on disk is not what we read.
            self._load(self._file)
            return
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._apply_log()

    def _load(self, name: str) -> None:
        path = self.dir / name
        if not path.exists():  # connect() would create an empty file in its place
            raise IndexBroken(f"the live index file {name} is missing: run reindex")
        try:
            conn = connect(path)
        except sqlite3.DatabaseError as exc:
            raise IndexBroken(f"the live index file {name} is unreadable: run reindex") from exc
        identity = file_key(path)
        try:
            try:
                snapshot = load_snapshot(conn)
            except Exception as exc:  # an older code's format: rebuild from the documents
                log.info("search snapshot not usable (%s); loading the documents", exc)
                snapshot = None
            model, seq = snapshot or full_model(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise IndexBroken(f"the live index file {name} is unreadable: run reindex") from exc
        old = self._conn
        self._conn, self._file, self._model, self._seq = conn, name, model, seq
        self._file_key = identity
        self._data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        self._apply_log()
        if old is not None:
            old.close()

    def _apply_log(self) -> None:
        conn = self._conn
        low = conn.execute("SELECT min(seq) FROM log").fetchone()[0]
        if low is not None and low > self._seq + 1 and self._seq > 0:
            self._model, self._seq = full_model(conn)  # fell behind the kept log
        rows = conn.execute(
            "SELECT seq, doc_id FROM log WHERE seq > ? ORDER BY seq", (self._seq,)
        ).fetchall()
        if not rows:
            return
        ids = list(dict.fromkeys(doc_id for _, doc_id in rows))
        bodies = dict(fetch_bodies(conn, ids))
        for doc_id in ids:
            body = bodies.get(doc_id)
            if body is None:
                self._model.remove(doc_id)
            else:
                self._model.add(json.loads(body))
        self._seq = rows[-1][0]

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
        except SearchUnavailable as exc:  # missing or broken: say what to do
            return False, str(exc)
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
        with self._files.writing():
            self._files.ensure_live()

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
        with self._files.writing():
            name = self._files.ensure_live()
            try:
                conn = connect(self.dir / name)
            except sqlite3.DatabaseError as exc:
                raise IndexBroken(f"the live index file {name} is unreadable: run reindex") from exc
            try:
                conn.execute("BEGIN IMMEDIATE")
                write_rows(conn, documents, deletions)
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
                store_snapshot(conn, self._model, self._seq)
        conn.execute("DELETE FROM log WHERE seq < ?", (top - LOG_KEEP,))

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Build a new index file from ``documents`` and switch to it without downtime.

        Writes that reach the old file while this runs are carried over before the switch.
        """
        private_dir(self.dir)
        with self._files.writing():
            old_name, old_conn, start_seq = self._open_live_for_rebuild()
        name = new_name()
        path = create_private_file(self.dir / name)
        conn = connect(path)
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
                    write_rows(conn, batch, [], log_changes=False)
                    batch = []
            write_rows(conn, batch, [], log_changes=False)
            store_snapshot(conn, model, 0)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            with self._files.writing():
                if old_conn is not None and self._files.live_name_or_none() == old_name:
                    self._carry_over(old_conn, conn, start_seq)
                self._files.switch(name)
        except BaseException:
            conn.close()
            if old_conn is not None:
                old_conn.close()
            path.unlink(missing_ok=True)
            raise
        if old_conn is not None:
            old_conn.close()
        with self._lock:  # this process answers from the model it just built
            previous, self._conn = self._conn, conn
            self._file, self._model, self._seq = name, model, 0
            self._file_key = file_key(path)
            self._data_version = None
            self._pointer_key = None
            self._apply_log()  # what was carried over
            self.warm()
        if previous is not None:
            previous.close()
        self._files.cleanup(keep={name, old_name} - {None})
        return model.count

    def _open_live_for_rebuild(self) -> tuple[str | None, sqlite3.Connection | None, int]:
        """(name, connection, log position) of the live file; Nones when it is broken.

        A broken live index (missing, unreadable, or a pointer to nowhere) is what a rebuild
        repairs: it is left out, the new file replaces it and ``cleanup`` removes it.
        """
        conn = None
        try:
            name = self._files.ensure_live()
            conn = connect(self.dir / name)
            seq = conn.execute("SELECT coalesce(max(seq), 0) FROM log").fetchone()[0]
        except (IndexBroken, sqlite3.DatabaseError) as exc:
            if conn is not None:
                conn.close()
            log.warning("replacing a broken search index: %s", exc)
            return None, None, 0
        return name, conn, seq

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
        bodies = dict(fetch_bodies(old, ids))
        documents = [json.loads(bodies[i]) for i in ids if i in bodies]
        deletions = [i for i in ids if i not in bodies]
        new.execute("BEGIN IMMEDIATE")
        write_rows(new, documents, deletions)
        new.execute("COMMIT")
