"""Insights counts survive a gunicorn reload and stop: each worker writes its buffer on exit."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from directory import create_app
from directory.db import db
from tests.support.factories import Factory

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def _badges(port: int, count: int) -> None:
    headers = {**BROWSER, "Referer": "https://partner.example/"}
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)  # a worker booting
        conn.request("GET", "/badges/acme.svg", headers=headers)
        assert conn.getresponse().status == 200
        conn.close()


def _stored(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT COALESCE(SUM(count), 0) FROM agency_daily_stats"))
        value = total.scalar()
    engine.dispose()
    return int(value)


def _wait_total(url: str, expected: int, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while (found := _stored(url)) < expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


@pytest.fixture
def database(tmp_path):
    """A SQLite file with the schema and one listed agency, outside the test app."""
    url = f"sqlite:///{tmp_path / 'gunicorn.db'}"
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        Factory().agency(slug="acme")
        db.session.remove()
        db.engine.dispose()
    return url


def test_counts_are_written_when_workers_reload_and_stop(database, tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        APP_ENV="development",
        DATABASE_URL=database,
        INSTANCE_PATH=str(tmp_path),
        SECRET_KEY="restart-test",
        SEARCH_PRELOAD="false",
        INSIGHTS_FLUSH_SECONDS="600",  # only an exit writes during this test
    )
    command = [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--chdir", str(ROOT), "app:app"]
    server = subprocess.Popen(command, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        _badges(port, 20)
        assert _stored(database) == 0  # buffered, not written on the request path
        server.send_signal(signal.SIGHUP)  # graceful reload: the old workers exit
        assert _wait_total(database, 20) == 20
        _wait_for(port)
        _badges(port, 5)
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        assert _stored(database) == 25
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(30)
        shutil.rmtree(tmp_path / "search", ignore_errors=True)
