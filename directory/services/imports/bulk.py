"""Bulk INSERTs of plain value tuples inside the caller's transaction.

On SQLite the rows go straight through the driver, many rows per statement; elsewhere
(PostgreSQL) through SQLAlchemy Core. The import writer is the main user.
"""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from sqlite3 import SQLITE_LIMIT_VARIABLE_NUMBER

from sqlalchemy import Date, Table, insert
from sqlalchemy.exc import DBAPIError

from ...db import db, utcnow

# Rows per INSERT statement on SQLite (fewer when the columns would pass the connection's
# limit of bound parameters). Each run of a statement has a fixed cost: a CHECK with an
# IN (…) list (status, source…) builds a small lookup table, for instance. Run once per row
# by ``executemany``, those costs were a third of the writer's time.
SQLITE_ROWS_PER_INSERT = 500


class Batch:
    """The batch's connection, clock and the timestamp value as the database takes it."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        # The driver cursor shares the session's connection, hence its transaction.
        driver = self.connection.connection.driver_connection
        self.cursor = driver.cursor() if self.sqlite else None
        # 999 before SQLite 3.32, 32766 since.
        self.max_parameters = driver.getlimit(SQLITE_LIMIT_VARIABLE_NUMBER) if self.sqlite else 0
        self.now = utcnow()
        self.stamp = _sqlite_text(self.now) if self.sqlite else self.now

    def driver(self, sql: str, params, many: bool = False):
        """Run SQL on the SQLite driver; its errors become SQLAlchemy's, as on other paths."""
        try:
            if many:
                return self.cursor.executemany(sql, params)
            return self.cursor.execute(sql, params)
        except self.connection.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                sql, None, exc, self.connection.dialect.loaded_dbapi.Error
            ) from exc

    def insert(self, table: Table, names: tuple[str, ...], rows: list[tuple]) -> None:
        """INSERT ``rows``, tuples of values for the columns ``names``."""
        insert_rows(table, names, rows, self)


def insert_rows(table: Table, names: tuple[str, ...], rows: list[tuple], batch=None) -> None:
    """INSERT many rows given as tuples in ``names`` order; on SQLite through the driver.

    SQLAlchemy's per-row parameter handling costs as much as SQLite's own insert, and these
    values are already checked by validation and stored as they are (dates as ISO text).
    Python-side column defaults the rows leave out are applied as SQLAlchemy would (once per
    call), so a new model column with a default does not break this path.
    """
    if not rows:
        return
    batch = batch or Batch()
    if not batch.sqlite:
        dates = [i for i, name in enumerate(names) if isinstance(table.c[name].type, Date)]
        batch.connection.execute(insert(table), [_as_dicts(names, row, dates) for row in rows])
        return
    defaults = _python_defaults(table, names)
    if defaults:
        # A callable default is wrapped by SQLAlchemy to take an execution context.
        found = [arg(None) if is_callable else arg for _, arg, is_callable in defaults]
        extra = tuple(_sqlite_text(v) if isinstance(v, dt.date) else v for v in found)
        names = (*names, *(column for column, _, _ in defaults))
        rows = [row + extra for row in rows]
    start = 0
    sizes = _sqlite_inserts(table.name, names, batch.max_parameters, SQLITE_ROWS_PER_INSERT)
    for size, statement in sizes:
        count = (len(rows) - start) // size * size
        if not count:
            continue
        if size == 1:
            batch.driver(statement, rows[start : start + count], many=True)
        else:
            values = list(itertools.chain.from_iterable(rows[start : start + count]))
            step = size * len(names)
            chunks = [values[i : i + step] for i in range(0, len(values), step)]
            batch.driver(statement, chunks, many=True)
        start += count


@cache
def _sqlite_inserts(table: str, names: tuple[str, ...], max_parameters: int, rows: int) -> tuple:
    """``(rows, INSERT statement)`` for a few statement sizes, the largest first, down to one."""
    largest = max(1, min(rows, max_parameters // len(names)))
    sizes = sorted({largest, max(1, largest // 8), max(1, largest // 64), 1}, reverse=True)
    marks = f"({', '.join('?' * len(names))})"
    head = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES '  # noqa: S608 - names from code
    return tuple((size, head + ", ".join([marks] * size)) for size in sizes)


def _as_dicts(names: tuple[str, ...], row: tuple, dates: list[int]) -> dict:
    values = dict(zip(names, row, strict=True))
    for i in dates:
        if type(row[i]) is str:
            values[names[i]] = dt.date.fromisoformat(row[i])
    return values


@cache
def _python_defaults(table: Table, names: tuple[str, ...]) -> tuple:
    """``(column, default, callable?)`` of the column defaults not given in ``names``."""
    found = []
    for column in table.columns:
        default = column.default
        if column.key in names or default is None or column.primary_key:
            continue
        if default.is_scalar or default.is_callable:
            found.append((column.key, default.arg, default.is_callable))
    return tuple(found)


def _sqlite_text(value: dt.date) -> str:
    """A date or datetime as SQLAlchemy's SQLite types store it."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()
