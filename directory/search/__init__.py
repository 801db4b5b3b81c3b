"""Search: the backend registry, and the engines behind one interface (``base.SearchBackend``).

``SEARCH_BACKEND = "meilisearch"`` selects the Meilisearch adapter (``meili/``); anything else,
including no setting, the embedded engine (``embedded/``), which needs no server. The index
follows the database through the outbox (``outbox``) and is rebuilt by ``rebuild``.
"""

from __future__ import annotations

import os

from flask import Flask, current_app
from sqlalchemy import func, select

from ..db import db
from ..models import Agency, listed_filter
from .base import SearchBackend


def create_backend(app: Flask) -> SearchBackend:
    """A new backend for the app's configuration (the embedded engine unless Meilisearch)."""
    if app.config.get("SEARCH_BACKEND") == "meilisearch":
        # Imported only when configured, so the embedded path never depends on it.
        from .meili import MeilisearchBackend

        return MeilisearchBackend.from_config(app.config)
    from .embedded import EmbeddedBackend

    return EmbeddedBackend(app.config["SEARCH_INDEX_PATH"])


def get_backend(app: Flask | None = None) -> SearchBackend:
    """The app's search backend (one instance per app and process)."""
    app = app or current_app._get_current_object()
    backend = app.extensions.get("search_backend")
    if backend is None:
        backend = app.extensions["search_backend"] = create_backend(app)
    return backend


def register_search(app: Flask) -> None:
    """Add the /healthz check for the search backend, and preload the embedded index."""

    def check() -> tuple[bool, str]:
        try:
            backend = get_backend(app)
            ok, detail = backend.health()
            if ok and backend.count() == 0:
                return _empty_index_check(detail)
            return ok, detail
        except Exception as exc:  # a broken backend is "down", never a 500 on /healthz
            return False, type(exc).__name__

    app.extensions.setdefault("health_checks", {})["search"] = check
    if _preload_wanted(app):
        preload = getattr(get_backend(app), "preload", None)
        if preload is not None:
            preload(background=True)


def _empty_index_check(detail: str) -> tuple[bool, str]:
    """An empty index beside listed agencies was lost (files deleted, then a restart)."""
    listed = db.session.scalar(select(func.count()).select_from(Agency).where(listed_filter()))
    if listed:
        return False, f"the index is empty; listed agencies in the database: {listed}; run reindex"
    return True, detail


def _preload_wanted(app: Flask) -> bool:
    """Load the embedded index at start (``SEARCH_PRELOAD``, default on).

    Off under tests and in ``flask`` commands (``reindex`` would load the index it replaces).
    """
    setting = app.config.get("SEARCH_PRELOAD", True)
    if app.testing or os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return False
    return str(setting).lower() not in {"0", "false", "no", "off"}
