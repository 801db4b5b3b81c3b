"""Run a command beside a throw-away Meilisearch server, for the live search tests.

    python3 tools/with_meilisearch.py -- make test

Finds a server binary (``MEILI_BIN``, then ``../shared/bin/meilisearch`` beside the checkout,
then ``meilisearch`` on ``PATH``), starts it on a free loopback port with a temporary data
folder and a random master key, creates through the keys API a key scoped to the test indexes
(``test_*``), and runs the command with ``MEILI_URL``, ``MEILI_API_KEY`` (the scoped key, never
the master key) and ``MEILI_BIN`` set. The server and its data are removed afterwards. Without a
binary the command runs as is, and the live tests skip with a reason.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_INDEXES = ["test_*"]
KEY_ACTIONS = ["search", "documents.*", "indexes.*", "settings.*", "tasks.*", "stats.get"]


def find_binary() -> str | None:
    """The Meilisearch server to start, or None."""
    for candidate in (os.environ.get("MEILI_BIN"), ROOT.parent / "shared" / "bin" / "meilisearch"):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("meilisearch")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url: str, key: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    """Wait until ``GET /health`` answers ``available``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"meilisearch exited with status {process.returncode}")
        try:
            if _call(f"{url}/health", "")["status"] == "available":
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"meilisearch did not become healthy within {seconds:.0f} s")


def scoped_key(
    url: str, master_key: str, indexes: list[str] = TEST_INDEXES, actions: list[str] = KEY_ACTIONS
) -> str:
    """Create a key through the keys API: ``actions`` on ``indexes`` only (the tests' default)."""
    body = {
        "name": "services-directory",
        "actions": actions,
        "indexes": indexes,
        "expiresAt": None,
    }
    return _call(f"{url}/keys", master_key, "POST", body)["key"]


def main(argv: list[str]) -> int:
    """Start the server, run the command after ``--``, stop the server, return its status."""
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        raise SystemExit("usage: with_meilisearch.py -- COMMAND [ARGS...]")
    binary = find_binary()
    if binary is None:
        print("with_meilisearch: no Meilisearch binary; live search tests will skip", flush=True)
        return subprocess.call(command)
    workdir = Path(tempfile.mkdtemp(prefix="meili-test-"))
    url = f"http://127.0.0.1:{free_port()}"
    master_key = secrets.token_hex(24)
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [
            binary,
            "--db-path",
            str(workdir / "data"),
            "--http-addr",
            url.removeprefix("http://"),
            "--master-key",
            master_key,
            "--no-analytics",
            "--env",
            "development",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(url, server)
        env = dict(
            os.environ, MEILI_URL=url, MEILI_API_KEY=scoped_key(url, master_key), MEILI_BIN=binary
        )
        print(f"with_meilisearch: {binary} at {url} (key scoped to {TEST_INDEXES})", flush=True)
        return subprocess.call(command, env=env)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
