"""The outbox worker loop behind ``flask search-sync``: drain, wait, repeat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..db import db
from . import get_backend
from .outbox import drain_all

log = logging.getLogger(__name__)


def run_worker(
    *,
    follow: bool = False,
    interval: float = 1.0,
    batch: int = 500,
    before_drain: Callable[[], None] | None = None,
    report: Callable[[str], None] = log.info,
    stop: threading.Event | None = None,
) -> None:
    """Drain the outbox once, or with ``follow`` keep draining every ``interval`` seconds.

    ``before_drain`` runs at the start of each round (the daily jobs, when asked for). Setting
    ``stop`` ends the loop after the current round (``search-sync`` sets it on SIGTERM).
    """
    backend = get_backend()
    stop = stop or threading.Event()
    while True:
        try:
            if before_drain is not None:
                before_drain()
            applied = drain_all(batch, backend)
            if applied:
                report(f"search: applied {applied} changes")
        except Exception as exc:  # database away: keep following, try again later
            if not follow:
                raise
            log.warning("search-sync: %s; retrying in %ss", exc, interval)
            db.session.rollback()
        finally:
            db.session.remove()
        if not follow or stop.wait(interval):
            return
