"""Search commands: ``search-setup``, ``reindex``, ``search-sync``, ``search-check``,
``expire-certifications``."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import threading
import time
from collections.abc import Iterator

import click
from flask.cli import with_appcontext

from ..jobs import run_daily_if_due
from ..search import get_backend
from ..search.base import SearchUnavailable
from ..search.check import check_index
from ..search.outbox import drain_all
from ..search.rebuild import reindex
from ..search.worker import run_worker
from ..services.certifications import expire_certifications


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@contextlib.contextmanager
def _engine_errors() -> Iterator[None]:
    """An engine that cannot answer ends the command with its reason and status 1, not a
    traceback (the reason names the key, the connection or the timeout; never a secret)."""
    try:
        yield
    except SearchUnavailable as exc:
        raise click.ClickException(f"search engine unavailable: {exc}") from exc


@click.command("search-setup")
@with_appcontext
def search_setup_command() -> None:
    """Create the search index if needed and apply its settings."""
    backend = get_backend()
    with _engine_errors():
        outcome = backend.apply_settings()
        count = backend.count()
    click.echo(f"search: {backend.name} ready ({outcome or 'ok'}), {count} documents")


@click.command("reindex")
@click.option("--if-empty", is_flag=True, help="Only when the index holds no document.")
@with_appcontext
def reindex_command(if_empty: bool) -> None:
    """Rebuild the search index from the database without downtime."""
    backend = get_backend()
    with _engine_errors():
        if if_empty and (held := backend.count()) > 0:
            click.echo(f"search: index has {held} documents, not rebuilt")
            return
        started = time.perf_counter()
        count, replayed = reindex(backend)
    elapsed = time.perf_counter() - started
    click.echo(f"search: indexed {count} agencies in {elapsed:.1f}s, replayed {replayed} changes")


def _daily_if_due() -> None:
    daily = run_daily_if_due()  # expiry, reminders, purges, search check
    if daily:
        click.echo(f"daily jobs: {daily}")


@click.command("search-sync")
@click.option("--follow", is_flag=True, help="Keep running: drain, wait, repeat.")
@click.option(
    "--daily/--no-daily",
    default=True,
    show_default=True,
    help="Also run the daily jobs once a day (expiry, reminders, purges, search check).",
)
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=500, show_default=True, help="Outbox rows per batch.")
@with_appcontext
def search_sync_command(follow: bool, daily: bool, interval: float, batch: int) -> None:
    """Apply pending search-index changes from the outbox (and, with --daily, the daily jobs)."""
    stop = threading.Event()
    if follow and threading.current_thread() is threading.main_thread():
        # A deploy's SIGTERM lets the round in progress finish and commit its outbox rows.
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    run_worker(
        follow=follow,
        interval=interval,
        batch=batch,
        before_drain=_daily_if_due if daily else None,
        report=click.echo,
        stop=stop,
    )


@click.command("search-check")
@click.option("--dry-run", is_flag=True, help="Report the drift without repairing it.")
@with_appcontext
def search_check_command(dry_run: bool) -> None:
    """Compare the search index with the database, repair drift, print what was found."""
    with _engine_errors():
        drift = check_index(get_backend(), repair=not dry_run)
    for line in drift.lines():
        click.echo(line)
    if dry_run and not drift.clean:
        raise SystemExit(1)


@click.command("expire-certifications")
@click.option("--date", "on", default=None, help="Run as of this day (YYYY-MM-DD).")
@with_appcontext
def expire_certifications_command(on: str | None) -> None:
    """Queue agencies whose certification expired or was renewed since the last run."""
    day = _date(on)
    queued = expire_certifications(day)
    applied = drain_all(on=day)
    click.echo(f"search: {queued} agencies queued, {applied} changes applied")


COMMANDS = (
    search_setup_command,
    reindex_command,
    search_sync_command,
    search_check_command,
    expire_certifications_command,
)
