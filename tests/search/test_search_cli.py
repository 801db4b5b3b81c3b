"""The search commands when the engine cannot answer, and the worker's stop (no server needed).

The same faults on a real Meilisearch are in ``test_meili_faults.py`` (``-m meili``).
"""

from __future__ import annotations

import socket
import threading

import pytest


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable(app):
    """The app, pointed at a Meilisearch nobody listens for."""
    app.config.update(SEARCH_BACKEND="meilisearch", MEILI_URL=f"http://127.0.0.1:{closed_port()}")
    app.extensions.pop("search_backend", None)
    yield app
    app.extensions.pop("search_backend", None)


@pytest.mark.parametrize("command", [["search-setup"], ["reindex"], ["search-check"]])
def test_a_command_names_an_unreachable_engine_without_a_traceback(unreachable, command):
    result = unreachable.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert result.output.startswith("Error: search engine unavailable: ")
    assert "cannot connect (server down, or wrong MEILI_URL)" in result.output
    assert "Traceback" not in result.output and "127.0.0.1" not in result.output


def test_healthz_says_why_search_is_down(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    detail = response.get_json()["checks"]["search"]["detail"]
    assert detail == "cannot connect (server down, or wrong MEILI_URL)"


def test_the_following_worker_stops_when_asked_even_while_waiting(app):
    from directory.search.worker import run_worker

    stop, started, rounds = threading.Event(), threading.Event(), []

    def before_drain():
        rounds.append(1)
        started.set()

    def follow():
        with app.app_context():
            run_worker(follow=True, interval=60, stop=stop, before_drain=before_drain)

    worker = threading.Thread(target=follow)
    worker.start()
    assert started.wait(10)
    stop.set()  # what search-sync's SIGTERM handler does, during the 60 s wait
    worker.join(timeout=5)
    assert not worker.is_alive() and len(rounds) == 1
