"""Files only the app's own user may read: the database, secrets, mail and index files.

Created with their final mode (0600 files, 0700 folders) rather than chmod-ed afterwards, so
no other local account can read them even for a moment, whatever the process umask.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | os.PathLike) -> Path:
    """Create ``path`` 0700 (missing parents too) when it does not exist yet.

    An existing folder is left as it is: it may be shared (``/tmp``, a mounted volume) and is
    not ours to change; the files we create in it are 0600 anyway.
    """
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    return path


def create_private_file(path: str | os.PathLike) -> Path:
    """Create ``path`` empty as 0600 unless it exists (an existing one of ours becomes 0600).

    SQLite then keeps that mode: it gives its -wal and -shm files the database file's mode.
    """
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    os.close(fd)
    _tighten(path, FILE_MODE)
    return path


def write_private_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to a file created 0600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _tighten(path: Path, mode: int) -> None:
    """Drop group and other bits from a file we own (one made before files were private)."""
    info = path.stat()
    if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
        os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
