"""Reading and checking import lines: bounded reads, JSON parsing, validation, conversion.

No database: ``check_lines`` runs in worker processes for a large file (it is pickled by its
module path), and in-process otherwise.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .record import validate_line
from .rows import ImportRow, to_row

MAX_LINE_BYTES = 1_000_000  # a full profile with hundreds of reviews fits ten times over


class _Blank:
    """What ``parse_line`` returns for an empty or white line.

    Distinct from ``None``: a line holding ``null`` is a JSON value, reported as not being an
    agency object, never skipped as blank.
    """

    def __repr__(self) -> str:
        return "BLANK"

    def __reduce__(self) -> str:
        return "BLANK"  # one instance, also across the worker processes' pickling


BLANK = _Blank()


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


class NotText(ValueError):
    """The input is not JSON Lines text (compressed, an image, a spreadsheet…)."""


# Signatures of the files most often given by mistake instead of the JSON Lines export.
_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a ZIP archive (or an .xlsx/.docx file)"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)"),
)
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def sniff_binary(head: bytes) -> str | None:
    """What binary content ``head`` (the first few KB of the input) looks like, or None for text.

    A NUL byte or many control characters mean binary: neither occurs in UTF-8 JSON text.
    """
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "binary data (it contains NUL bytes)"
    controls = sum(1 for byte in head if byte in _CONTROL)
    if head and controls * 20 > len(head):  # more than 5 %
        return "binary data (it contains control characters)"
    return None


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
    """Decode and parse one line; ``(BLANK, None)`` for a blank line."""
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
        return BLANK, None
    try:
        if text.startswith("\ufeff"):  # refused with json.loads' own message
            return json.loads(text, parse_constant=_reject_constant), None
        return _decode(text), None
    except json.JSONDecodeError as exc:
        return None, Problem(lineno, "", f"invalid JSON: {exc.msg} (column {exc.colno})")
    except (ValueError, RecursionError) as exc:
        return None, Problem(lineno, "", f"invalid JSON: {str(exc)[:80]}")


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
            elif obj is not BLANK:
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
