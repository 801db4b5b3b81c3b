"""Import agencies from JSON Lines (shared/import-format.md; choices in docs/import.md).

The file is read as bytes, one bounded line at a time; each line is decoded, parsed and
validated on its own, and valid records are written in batches, one transaction per batch.
A batch the database refuses is retried line by line, so one bad line never takes others
down with it and nothing half-written is left for it.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy.exc import DBAPIError

from ..db import db, today
from .import_rows import ImportRow, to_row
from .import_validation import country_codes, language_codes, validate_line
from .import_writer import Item, SlugAllocator, write_batch

MAX_LINE_BYTES = 1_000_000  # a full profile with hundreds of reviews fits ten times over
BATCH_SIZE = 500
# Lines are checked in worker processes by chunks of this many lines (or bytes, whichever
# comes first); a file of one chunk or less is checked in-process (no pool to start).
CHUNK_LINES = 1000
CHUNK_BYTES = 4 << 20


@dataclass(frozen=True)
class Problem:
    """A reason a line was skipped (or, as a warning, stored with a caveat)."""

    line: int
    field: str
    reason: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        kind = "warning: " if self.warning else ""
        return f"line {self.line}: {kind}{where}{self.reason}"


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


def iter_lines(
    stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line number, bytes)``; an over-long line yields ``None`` and is skipped unread."""
    lineno = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            # Drain the rest of the line in bounded chunks: memory stays flat for any size.
            while True:
                chunk = stream.readline(1 << 20)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield lineno, None
        else:
            yield lineno, raw


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every line (``json.loads`` with an option builds a new one per call).
_decode = json.JSONDecoder(parse_constant=_reject_constant).decode


def parse_line(lineno: int, raw: bytes | None) -> tuple[object, Problem | None]:
    """Decode and parse one line; ``(None, None)`` for a blank line."""
    if raw is None:
        return None, Problem(lineno, "", f"line is longer than {MAX_LINE_BYTES:,} bytes; skipped")
    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem(
            lineno, "", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1})"
        )
    if not text or text.isspace():
        return None, None
    try:
        if text.startswith("\ufeff"):  # refused with json.loads' own message
            return json.loads(text, parse_constant=_reject_constant), None
        return _decode(text), None
    except json.JSONDecodeError as exc:
        return None, Problem(lineno, "", f"invalid JSON: {exc.msg} (column {exc.colno})")
    except (ValueError, RecursionError) as exc:
        return None, Problem(lineno, "", f"invalid JSON: {str(exc)[:80]}")


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
        elif obj is not None:
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


# A checked line: (line number, row or None, problems when the line failed).
Checked = tuple[int, ImportRow | None, tuple[Problem, ...]]


def check_lines(chunk: list[tuple[int, bytes | None]], on: dt.date) -> list[Checked]:
    """Decode, parse, validate and convert lines: no database (runs in worker processes).

    The cyclic garbage collector is paused meanwhile: the lines' objects hold no cycles,
    and it kept walking the chunk's live results (about a twentieth of the time).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        checked: list[Checked] = []
        for lineno, raw in chunk:
            obj, problem = parse_line(lineno, raw)
            if problem is not None:
                checked.append((lineno, None, (problem,)))
            elif obj is not None:
                record, errors = validate_line(obj, on)
                if record is None:
                    problems = tuple(Problem(lineno, path, reason) for path, reason in errors)
                    checked.append((lineno, None, problems))
                else:
                    checked.append((lineno, to_row(record), ()))
        return checked
    finally:
        if paused:
            gc.enable()


def _chunks(
    lines: Iterable[tuple[int, bytes | None]], max_lines: int, max_bytes: int = CHUNK_BYTES
) -> Iterator[list[tuple[int, bytes | None]]]:
    chunk: list[tuple[int, bytes | None]] = []
    size = 0
    for lineno, raw in lines:
        chunk.append((lineno, raw))
        size += len(raw) if raw else 0
        if len(chunk) >= max_lines or size >= max_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def default_workers() -> int:
    """Worker processes for checking lines: the cores left beside the writing process.

    At most two: the single writer (one transaction at a time) is then the bottleneck.
    0 where ``fork`` is unavailable (workers would re-import the app) or on one core.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min(2, (cores or 1) - 1))


def import_agencies(
    stream: BinaryIO,
    report: Callable[[Problem], None] = lambda problem: None,
    *,
    workers: int | None = None,
    chunk_lines: int = CHUNK_LINES,
    **options,
) -> ImportResult:
    """Import a JSON Lines byte stream; problems go to ``report`` as they are found.

    With ``workers`` (default: ``default_workers()``) and more than one chunk of lines, the
    lines are checked by a pool of forked processes while this one writes; chunks come back
    in file order and at most ``workers + 2`` are in flight, so memory stays bounded and
    problems are reported in line order.
    """
    chunks = _chunks(iter_lines(stream), chunk_lines)
    head = list(itertools.islice(chunks, 2))
    workers = default_workers() if workers is None else workers
    if len(head) < 2 or workers < 1:
        importer = AgencyImporter(report, **options)
        try:
            for chunk in itertools.chain(head, chunks):
                for lineno, raw in chunk:
                    importer.add_line(lineno, raw)
        except BaseException:
            importer.abort()
            raise
        return importer.finish()
    language_codes(), country_codes()  # loaded once, before the fork, shared by the workers
    # The app's objects outlive the import: frozen, the garbage collector stops walking them,
    # here and in the workers (whose memory then stays shared with this process).
    gc.freeze()
    # Forked before the writer thread starts: a child never inherits a lock held by it.
    pool = multiprocessing.get_context("fork").Pool(workers)
    pending: deque = deque()
    importer = None
    try:
        # The writer thread writes while this one unpickles and batches the next records.
        importer = AgencyImporter(report, **options)
        for chunk in itertools.chain(head, chunks):
            pending.append(pool.apply_async(check_lines, (chunk, importer.today)))
            if len(pending) >= workers + 2:
                importer.add_checked(pending.popleft().get())
        while pending:
            importer.add_checked(pending.popleft().get())
        pool.close()
    except BaseException:
        if importer is not None:
            importer.abort()
        raise
    finally:
        pool.terminate()
        pool.join()
        gc.unfreeze()
    return importer.finish()


def import_records(
    records: Iterable[dict], report: Callable[[Problem], None] = lambda problem: None, **options
) -> ImportResult:
    """Import contract-shaped dicts (the demo seeder's path); numbered like lines from 1."""
    importer = AgencyImporter(report, **options)
    try:
        for lineno, record in enumerate(records, start=1):
            importer.add_object(lineno, record)
    except BaseException:
        importer.abort()
        raise
    return importer.finish()
