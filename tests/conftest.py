"""Shared fixtures: ``app`` (temporary database, index and mail outbox), ``client``, ``runner``.

Helpers that tests import (factories, forms and signing in, search data) are in ``tests/support``.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set
(each xdist worker gets its own database, created and dropped here).
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from directory import create_app
from directory.config import normalize_database_url
from directory.db import db
from directory.search.landing import join_background_refreshes
from tests.support.factories import Factory
from tests.support.search import make_directory
from tests.support.web import RequestScopedClient, compile_french_catalog


def _postgres_url(worker: str) -> str | None:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    url = make_url(normalize_database_url(base))
    name = re.sub(r"[^a-z0-9_]", "_", f"{url.database}_{worker}".lower())
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """One database per test session (and per xdist worker)."""
    url = _postgres_url(worker_id)
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per session from the models."""
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return database_url


@contextmanager
def _app_on(schema: str, tmp_path, **overrides):
    """An app on the session's database with a private search index and mail outbox."""
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": schema,
            "SEARCH_BACKEND": "embedded",
            "SEARCH_INDEX_PATH": str(tmp_path / "search"),
            "MAIL_BACKEND": "file",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "RATELIMIT_ENABLED": False,
            **overrides,
        }
    )
    with app.app_context():
        yield app
        join_background_refreshes(app)
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def app(_schema, tmp_path):
    """A fresh app on an empty database, a private search index and mail outbox."""
    with _app_on(_schema, tmp_path) as app:
        yield app


@pytest.fixture
def limited_app(_schema, tmp_path):
    """Like ``app``, with rate limiting enabled on a fresh in-memory store."""
    with _app_on(
        _schema, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"
    ) as app:
        yield app


def _empty_tables() -> None:
    """Delete every row, children first, so the next test starts empty."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def factory(app):
    """Creates agencies and reviews with sensible defaults (accounts: ``make_user``)."""
    return Factory()


@pytest.fixture
def request_scoped_clients(app):
    """Give every client of the test its own app context per request (``RequestScopedClient``)."""
    app.test_client_class = RequestScopedClient
    yield
    db.session.expire_all()


@pytest.fixture
def directory_data(factory):
    """Listed agencies in Lyon, Paris and Berlin, two unlisted ones, all indexed."""
    return make_directory(factory)


@pytest.fixture(scope="session")
def french_catalog():
    """The compiled French catalog, for tests that render pages in French."""
    compile_french_catalog()


@pytest.fixture(scope="session")
def worker_id(request):
    """xdist worker name ("master" without xdist)."""
    return getattr(request.config, "workerinput", {}).get("workerid", "master")
