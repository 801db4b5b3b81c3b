"""The database handle, the declarative base, and the ``init-db`` command."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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


@click.command("init-db")
@click.option("--drop", is_flag=True, help="Drop every table first (destroys data).")
def init_db_command(drop: bool) -> None:
    """Create the schema at the latest migration (same as ``db upgrade``)."""
    from flask_migrate import upgrade

    if drop:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()
    click.echo("Database ready.")


def register_db(app: Flask) -> None:
    """Bind the database to the app and add its commands."""
    from . import models  # noqa: F401 - registers every table on the metadata

    db.init_app(app)
    app.cli.add_command(init_db_command)
