"""The ``daily`` command: every daily job at once (see ``directory/jobs.py``)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from ..jobs import run_daily


@click.command("daily")
@click.option("--date", "on", default=None, help="Run as of this day (YYYY-MM-DD).")
@with_appcontext
def daily_command(on: str | None) -> None:
    """Run the daily jobs now: expiry, reminders, retention purges, search check."""
    report = run_daily(dt.date.fromisoformat(on) if on else None)
    for name, value in report.items():
        click.echo(f"{name}: {value}")


COMMANDS = (daily_command,)
