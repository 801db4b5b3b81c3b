"""Search commands: ``search-setup``, ``reindex``, ``search-sync``, ``expire-certifications``."""

from __future__ import annotations

import datetime as dt
import logging
import time

import click
from flask import Flask
from flask.cli import with_appcontext

from ..db import db
from ..jobs import run_daily_if_due
from . import sync

log = logging.getLogger(__name__)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@click.command("search-setup")
@with_appcontext
def search_setup_command() -> None:
    """Create the search index if needed and apply its settings."""
    backend = sync.get_backend()
    outcome = backend.apply_settings()
    click.echo(f"search: {backend.name} ready ({outcome or 'ok'}), {backend.count()} documents")


@click.command("reindex")
@click.option("--if-empty", is_flag=True, help="Only when the index holds no document.")
@with_appcontext
def reindex_command(if_empty: bool) -> None:
    """Rebuild the search index from the database without downtime."""
    backend = sync.get_backend()
    if if_empty and backend.count() > 0:
        click.echo(f"search: index has {backend.count()} documents, not rebuilt")
        return
    started = time.perf_counter()
    count, replayed = sync.reindex(backend)
    elapsed = time.perf_counter() - started
    click.echo(f"search: indexed {count} agencies in {elapsed:.1f}s, replayed {replayed} changes")


@click.command("search-sync")
@click.option("--follow", is_flag=True, help="Keep running: drain, wait, repeat.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=500, show_default=True, help="Outbox rows per batch.")
@with_appcontext
def search_sync_command(follow: bool, interval: float, batch: int) -> None:
    """Apply pending search-index changes from the outbox (and the daily expiry)."""
    backend = sync.get_backend()
    while True:
        try:
            daily = run_daily_if_due()  # expiry, reminders, purges, search check
            if daily:
                click.echo(f"daily jobs: {daily}")
            applied = sync.drain_all(batch, backend)
            if applied:
                click.echo(f"search: applied {applied} changes")
        except Exception as exc:  # database away: keep following, try again later
            if not follow:
                raise
            log.warning("search-sync: %s; retrying in %ss", exc, interval)
            db.session.rollback()
        finally:
            db.session.remove()
        if not follow:
            return
        time.sleep(interval)


@click.command("expire-certifications")
@click.option("--date", "on", default=None, help="Run as of this day (YYYY-MM-DD).")
@with_appcontext
def expire_certifications_command(on: str | None) -> None:
    """Queue agencies whose certification expired or was renewed since the last run."""
    day = _date(on)
    queued = sync.expire_certifications(day)
    applied = sync.drain_all(on=day)
    click.echo(f"search: {queued} agencies queued, {applied} changes applied")


COMMANDS = (
    search_setup_command,
    reindex_command,
    search_sync_command,
    expire_certifications_command,
)


def register_search_commands(app: Flask) -> None:
    """Attach the search commands to the app."""
    for command in COMMANDS:
        app.cli.add_command(command)
