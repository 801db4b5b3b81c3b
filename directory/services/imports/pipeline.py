"""Import agencies from JSON Lines (shared/import-format.md; choices in docs/import.md).

The file is read as bytes, one bounded line at a time; each line is decoded, parsed and
validated on its own, and valid records are written in batches, one transaction per batch.
Large files are checked by a pool of worker processes (``lines.check_lines``) while this
process writes (``importer.AgencyImporter``).
"""

import gc
import io
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from .fields import country_codes, language_codes
from .importer import AgencyImporter, ImportResult
from .lines import NotText, Problem, check_lines, iter_lines, sniff_binary

# Lines are checked in worker processes by chunks of this many lines (or bytes, whichever
# comes first); a file of one chunk or less is checked in-process (no pool to start).
CHUNK_LINES = 1000
CHUNK_BYTES = 4 << 20


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


SNIFF_BYTES = 8192


def _text_stream(stream: BinaryIO) -> BinaryIO:
    """``stream``, after checking that it starts like text (raises ``NotText`` otherwise).

    Peeks without consuming, so standard input (not seekable) works too.
    """
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream, SNIFF_BYTES)  # type: ignore[arg-type]
    what = sniff_binary(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES])
    if what:
        raise NotText(
            f"the input looks like {what}, not JSON Lines text; export the agencies as a "
            "UTF-8 .jsonl file (one JSON object per line) and import that file"
        )
    return stream


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
    stream = _text_stream(stream)
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
