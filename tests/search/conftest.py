"""Meilisearch fixtures shared by the search tests: a scripted server, and a live one.

- ``fake``, ``backend``, ``search_log``: a ``FakeMeili`` (``meili_fake``) behind
  pytest-httpserver, a backend pointed at it, and the ``directory.search`` log.
- ``meili_live``: a backend on a fresh, uniquely named index of the live server given by
  ``MEILI_URL`` / ``MEILI_API_KEY`` (``-m meili``), dropped afterwards; skipped when unset.
- ``meili_server``: a private Meilisearch started from ``MEILI_BIN`` for the fault tests
  (``OwnServer``: kill, restart on the same data, freeze, thaw); skipped when unset.
- ``meili_app``: a factory of apps searching that private server (``SEARCH_BACKEND`` meilisearch).

``test_contract`` declares its own ``backend`` (one per engine), which overrides this one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from directory.search.meili import MeilisearchBackend

from .meili_fake import backend_for, capture_search_log, serve_fake


@pytest.fixture
def fake(httpserver):
    """A scripted Meilisearch answering every request of ``httpserver``."""
    return serve_fake(httpserver)


@pytest.fixture
def backend(httpserver):
    """A Meilisearch backend on the scripted server, in batches of 2."""
    return backend_for(httpserver)


@pytest.fixture
def search_log(caplog):
    """The ``directory.search`` log records of the test."""
    with capture_search_log(caplog) as log:
        yield log


@pytest.fixture
def meili_live():
    """A backend on a fresh, uniquely named index of the live server; dropped afterwards."""
    url = os.environ.get("MEILI_URL")
    if not url:
        pytest.skip("MEILI_URL is not set: no live Meilisearch to test against")
    uid = f"test_{uuid.uuid4().hex[:12]}"
    live = MeilisearchBackend(url, os.environ.get("MEILI_API_KEY"), index_uid=uid, timeout=10)
    try:
        yield live
    finally:
        _drop(url, os.environ.get("MEILI_API_KEY"), (live.index_uid, live.tmp_uid))


def _drop(url: str, api_key: str | None, uids) -> None:
    import meilisearch

    client = meilisearch.Client(url, api_key)
    for uid in uids:
        with contextlib.suppress(Exception):  # already gone
            client.wait_for_task(client.delete_index(uid).task_uid, timeout_in_ms=10_000)


# -- a private server for the fault tests ------------------------------------------------------

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "with_meilisearch.py"


def _launcher():
    """``tools/with_meilisearch.py`` as a module: one way to find ports, wait and make keys."""
    spec = importlib.util.spec_from_file_location("with_meilisearch", _TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OwnServer:
    """A Meilisearch process of one test: same data folder, port and key across restarts."""

    def __init__(self, binary: str, workdir: Path):
        self.tool = _launcher()
        self.binary = binary
        self.workdir = workdir
        self.master_key = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.tool.free_port()}"
        self.process: subprocess.Popen | None = None
        self.frozen = False
        self._log = (workdir / "server.log").open("ab")

    def start(self) -> OwnServer:
        """Start (or restart) the server on its data folder and wait until it is healthy."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--db-path",
                str(self.workdir / "data"),
                "--http-addr",
                self.url.removeprefix("http://"),
                "--master-key",
                self.master_key,
                "--no-analytics",
                "--env",
                "development",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.tool.wait_healthy(self.url, self.process, seconds=20)
        return self

    def scoped_key(self) -> str:
        """A key for the ``test_*`` indexes only, as the README tells operators to make."""
        return self.tool.scoped_key(self.url, self.master_key)

    def kill(self) -> None:
        """SIGKILL: no shutdown, whatever the server was doing (a power cut, the OOM killer)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing answers (a hung server)."""
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        """SIGCONT after ``freeze``."""
        self.process.send_signal(signal.SIGCONT)
        self.frozen = False

    def stop(self) -> None:
        """Terminate the server if it runs, and close its log."""
        if self.process is not None and self.process.poll() is None:
            if self.frozen:
                self.thaw()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log, for a failing test's report."""
        text = (self.workdir / "server.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def meili_server(tmp_path_factory):
    """A private Meilisearch from ``MEILI_BIN`` (started), stopped after the test."""
    binary = os.environ.get("MEILI_BIN")
    if not binary:
        pytest.skip("MEILI_BIN is not set: no Meilisearch binary for the fault tests")
    server = OwnServer(binary, tmp_path_factory.mktemp("meili"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def meili_app(_schema, tmp_path, meili_server):
    """A factory: ``meili_app(**config)`` enters an app searching ``meili_server`` (scoped key,
    a fresh ``test_…`` index, ``MEILI_TIMEOUT`` at its default) until the test ends."""
    from tests.conftest import _app_on

    with contextlib.ExitStack() as stack:

        def make(**config):
            settings = {
                "SEARCH_BACKEND": "meilisearch",
                "MEILI_URL": meili_server.url,
                "MEILI_API_KEY": meili_server.scoped_key(),
                "MEILI_INDEX": f"test_{uuid.uuid4().hex[:12]}",
                **config,
            }
            return stack.enter_context(_app_on(_schema, tmp_path, **settings))

        yield make
