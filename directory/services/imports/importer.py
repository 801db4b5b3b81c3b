"""Batching checked import lines and writing them, one transaction per batch.

A batch the database refuses is retried line by line, so one bad line never takes others
down with it and nothing half-written is left for it.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import DBAPIError

from ...db import db, today
from ...slugs import SlugAllocator
from .lines import BLANK, Checked, Problem, parse_line
from .record import validate_line
from .rows import ImportRow, to_row
from .writer import Item, write_batch

BATCH_SIZE = 500


@dataclass
class ImportResult:
    """How many lines created, updated, left unchanged, or failed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0

    @property
    def ok(self) -> bool:
        """True when no line failed."""
        return self.failed == 0

    def summary(self) -> str:
        """The contract's summary line."""
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )


class _BackgroundWriter:
    """Writes batches on a second thread while the next ones are read and validated.

    SQLite and PostgreSQL drivers release the GIL while the database works, so on two cores
    validation and writing overlap. Batches stay in file order (one writer, a FIFO of at most
    two batches, so memory stays bounded); the writer has its own app context and session.
    """

    def __init__(self, write: Callable[[list[Item]], None]) -> None:
        self._write = write
        self._app = current_app._get_current_object()
        self._queue: queue.Queue[list[Item] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self._thread.start()

    def put(self, items: list[Item]) -> None:
        """Queue a batch; raises what the writer raised, if it failed."""
        if self._error is not None:
            raise self._error
        self._queue.put(items)

    def close(self, raise_error: bool = True) -> None:
        """Wait until every queued batch is written."""
        self._queue.put(None)
        self._thread.join()
        if raise_error and self._error is not None:
            raise self._error

    def _run(self) -> None:
        with self._app.app_context():
            try:
                while (items := self._queue.get()) is not None:
                    self._write(items)
            except BaseException as exc:  # handed to the reading thread
                self._error = exc
                while self._queue.get() is not None:  # never leave the reader blocked
                    pass
            finally:
                db.session.remove()


class AgencyImporter:
    """Feeds lines or parsed objects through validation into batched upserts."""

    def __init__(
        self,
        report: Callable[[Problem], None] = lambda problem: None,
        *,
        batch_size: int = BATCH_SIZE,
        on: dt.date | None = None,
        background: bool = True,
    ) -> None:
        lock = threading.Lock()

        def locked_report(problem: Problem) -> None:
            with lock:  # the writer thread reports too
                report(problem)

        self.report = locked_report
        self.batch_size = batch_size
        self.today = on or today()
        self.result = ImportResult()  # failed: by the reading side; the rest by the writer
        self._refused_count = 0  # failed lines counted by the writer side
        self._batch: list[Item] = []
        self._batch_ids: set[str] = set()
        self._slugs: SlugAllocator | None = None
        self._warned: set[str] = set()
        self._writer = _BackgroundWriter(self._write) if background else None

    def add_line(self, lineno: int, raw: bytes | None) -> None:
        """Decode, parse, validate and queue one line of the file."""
        obj, problem = parse_line(lineno, raw)
        if problem is not None:
            self._failed([problem])
        elif obj is not BLANK:
            self.add_object(lineno, obj)

    def add_object(self, lineno: int, obj: object) -> None:
        """Validate and queue one contract-shaped object (already parsed)."""
        record, errors = validate_line(obj, self.today)
        if record is None:
            self._failed([Problem(lineno, path, reason) for path, reason in errors])
            return
        self.add_row(lineno, to_row(record))

    def add_checked(self, checked: list[Checked]) -> None:
        """Queue lines already parsed, validated and converted by ``check_lines``."""
        for lineno, row, problems in checked:
            if row is None:
                self._failed(problems)
            else:
                self.add_row(lineno, row)

    def add_row(self, lineno: int, row: ImportRow) -> None:
        """Queue one valid line; its warnings are reported once per field."""
        for path, reason in row.warnings:
            if path not in self._warned:  # once per field: a 100,000-line file stays readable
                self._warned.add(path)
                self.report(Problem(lineno, path, f"{reason} (reported once)", warning=True))
        if row.external_id in self._batch_ids:
            self.flush()  # the later line wins: write the earlier one first
        self._batch.append(Item(lineno, row))
        self._batch_ids.add(row.external_id)
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Hand the queued batch to the writer (or write it now without one)."""
        items, self._batch, self._batch_ids = self._batch, [], set()
        if not items:
            return
        if self._writer is not None:
            self._writer.put(items)
        else:
            self._write(items)

    def _write(self, items: list[Item]) -> None:
        """Write a batch in one transaction, line by line if the database refuses it."""
        try:
            self._commit(items)
        except DBAPIError as exc:
            db.session.rollback()
            self._slugs = None  # what it knew may be what the database refused
            if len(items) == 1:
                self._refused(items[0], exc)
                return
            for item in items:
                try:
                    self._commit([item])
                except DBAPIError as line_exc:
                    db.session.rollback()
                    self._slugs = None
                    self._refused(item, line_exc)

    def _refused(self, item: Item, exc: DBAPIError) -> None:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["error"])[0][:200]
        self._refused_count += 1
        self.report(Problem(item.line, "", f"database refused the line: {reason}"))

    def _commit(self, items: list[Item]) -> None:
        _tune_sqlite()
        if self._slugs is None:
            self._slugs = SlugAllocator()
        outcome = write_batch(items, self._slugs)
        db.session.commit()
        self.result.created += outcome.created
        self.result.updated += outcome.updated
        self.result.unchanged += outcome.unchanged
        for line, path, reason in outcome.notices or ():
            self.report(Problem(line, path, reason, warning=True))

    def finish(self) -> ImportResult:
        """Write what is left, wait for the writer, and return the counts."""
        self.flush()
        if self._writer is not None:
            self._writer.close()
        self.result.failed += self._refused_count
        self._refused_count = 0
        return self.result

    def abort(self) -> None:
        """Stop the writer without writing the pending batch (the reading side failed)."""
        self._batch, self._batch_ids = [], set()
        if self._writer is not None:
            self._writer.close(raise_error=False)

    def _failed(self, problems: Iterable[Problem]) -> None:
        self.result.failed += 1
        for problem in problems:
            self.report(problem)


def _tune_sqlite() -> None:
    """SQLite settings of the import's connection; none changes what a commit guarantees.

    A larger page cache keeps index pages of big tables in memory. Temporary files in
    memory: a multi-row INSERT keeps the pages it changes in a statement journal, to undo
    that statement alone if it fails, and beyond 64 KiB that journal spilled to a file
    (a third of the writer's time went to the system calls).
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size = -65536")  # 64 MiB
        connection.exec_driver_sql("PRAGMA temp_store = MEMORY")
