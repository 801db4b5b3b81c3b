"""The database handle, the declarative base, and the session's binding to the app."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .private_files import create_private_file, private_dir

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> dt.datetime:
    """Timezone-aware now, the only clock the models use."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date (UTC); the listing rule is evaluated against it."""
    return utcnow().date()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - driver hook
    """Enforce foreign keys and allow concurrent readers on SQLite."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_db(app: Flask) -> None:
    """Bind the database to the app (``create_app`` imports the models first)."""
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if isinstance(url, str) and url.startswith("sqlite"):
        prepare_sqlite_file(url, Path(app.instance_path))
    db.init_app(app)


def prepare_sqlite_file(url: str, instance: Path) -> None:
    """Create a SQLite database file 0600 in a 0700 folder before SQLite creates it 0644."""
    name = make_url(url).database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return
    # Flask-SQLAlchemy reads a relative SQLite path from the instance folder.
    path = instance / name
    private_dir(path.parent)
    create_private_file(path)
