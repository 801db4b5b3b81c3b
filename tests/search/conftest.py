"""Meilisearch fixtures shared by the search tests: a scripted server, and a live one.

- ``fake``, ``backend``, ``search_log``: a ``FakeMeili`` (``meili_fake``) behind
  pytest-httpserver, a backend pointed at it, and the ``directory.search`` log.
- ``meili_live``: a backend on a fresh, uniquely named index of the live server given by
  ``MEILI_URL`` / ``MEILI_API_KEY`` (``-m meili``), dropped afterwards; skipped when unset.

``test_contract`` declares its own ``backend`` (one per engine), which overrides this one.
"""

from __future__ import annotations

import contextlib
import os
import uuid

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
