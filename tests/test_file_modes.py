"""Files the app creates are private to its user: 0600 files in 0700 folders (issue 14)."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from directory import create_app
from directory.config import development_secret_key
from directory.db import db
from directory.mail import send_mail


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The usual umask (022), under which plain file creation gives 0644 and 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_secret_key_is_0600_in_a_0700_folder(tmp_path, open_umask):
    instance = tmp_path / "instance"
    key = development_secret_key(instance)
    assert len(key) == 64
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert not list(instance.glob("*.tmp"))


def test_sqlite_database_mail_outbox_and_index_files_are_private(tmp_path, open_umask):
    instance = tmp_path / "instance"
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'directory.db'}",
            "SEARCH_BACKEND": "embedded",
            "SEARCH_INDEX_PATH": str(instance / "search"),
            "MAIL_BACKEND": "file",
            "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        }
    )
    with app.app_context():
        db.create_all()
        db.session.execute(text("CREATE TABLE probe (x INTEGER)"))
        db.session.commit()
        send_mail("ana@example.com", "Hello", "A sign-in link would be here.")
        from directory.search.rebuild import reindex

        reindex()
        db.engine.dispose()
    assert mode(instance) == 0o700
    database_files = list(instance.glob("directory.db*"))
    assert instance / "directory.db" in database_files
    assert {p.name: mode(p) for p in database_files} == {p.name: 0o600 for p in database_files}
    outbox = instance / "outbox"
    assert mode(outbox) == 0o700
    messages = list(outbox.glob("*.json"))
    assert messages and all(mode(p) == 0o600 for p in messages)
    index = instance / "search"
    assert mode(index) == 0o700
    files = [p for p in index.iterdir() if p.is_file()]
    assert any(p.name.startswith("index-") for p in files)
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_an_existing_world_readable_database_file_is_tightened(tmp_path, open_umask):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    path = shared / "old.db"
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    assert mode(path) == 0o600
    assert mode(shared) == 0o755  # an existing folder may be shared (/tmp): left alone


def test_city_cache_is_private(tmp_path, open_umask, monkeypatch):
    from directory import geo

    monkeypatch.setattr(geo, "_city_cache_path", lambda: tmp_path / "cache" / "cities.pickle")
    geo._city_data.cache_clear()
    try:
        assert geo._city_data()[0]
    finally:
        geo._city_data.cache_clear()
    assert mode(tmp_path / "cache") == 0o700
    assert mode(tmp_path / "cache" / "cities.pickle") == 0o600
