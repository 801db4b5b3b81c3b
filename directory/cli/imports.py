"""The ``import-agencies`` and ``seed-demo`` commands: thin wrappers over the import service."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..services.imports.lines import NotText, Problem

MAX_SHOWN = 50


def _echo_problem(problem: Problem) -> None:
    click.echo(str(problem), err=True)


class _CappedReport:
    """Print the first ``limit`` problems; count the rest, so a bad file cannot flood a terminal."""

    def __init__(self, limit: int):
        self.limit = limit
        self.shown = 0
        self.hidden = 0

    def __call__(self, problem: Problem) -> None:
        if self.limit and self.shown >= self.limit:
            self.hidden += 1
            return
        self.shown += 1
        _echo_problem(problem)

    def close(self) -> None:
        """Say how many problems were not printed."""
        if self.hidden:
            click.echo(
                f"... and {self.hidden:,} more problem(s) not shown "
                f"(--max-errors 0 prints them all)",
                err=True,
            )


@click.command("import-agencies")
@click.argument("source", metavar="FILE|-", type=click.File("rb"))
@click.option(
    "--max-errors",
    default=MAX_SHOWN,
    show_default=True,
    type=click.IntRange(0),
    help="Print at most this many problems, then how many more there were (0: all).",
)
@with_appcontext
def import_agencies_command(source, max_errors: int) -> None:
    """Create or update agencies from a JSON Lines FILE, or - for standard input.

    Problems go to standard error as "line N: field: reason" (the first 50, then a count);
    the summary line goes to standard output; the exit status is 1 when any line failed and
    2 when the input is not JSON Lines text at all. See docs/import.md.
    """
    from ..services.imports.pipeline import import_agencies

    report = _CappedReport(max_errors)
    try:
        result = import_agencies(source, report)
    except NotText as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    report.close()
    if not (result.created or result.updated or result.unchanged or result.failed):
        click.echo("warning: no agency lines in the input", err=True)
    click.echo(result.summary())
    if not result.ok:
        raise SystemExit(1)


@click.command("seed-demo")
@click.option(
    "--count",
    default=1500,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="How many agencies to generate.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="Random seed: the same seed gives the same agencies.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when any agency exists.")
@with_appcontext
def seed_demo_command(count: int, seed: int, if_empty: bool) -> None:
    """Fill the directory with realistic demo agencies (through the import service)."""
    from ..services.demo.seed import has_agencies, seed_demo

    if if_empty and has_agencies():
        click.echo("Agencies exist; seed-demo --if-empty did nothing.")
        return
    result, listed = seed_demo(count=count, seed=seed, report=_echo_problem)
    click.echo(f"{result.summary()}; {listed} listed")
    if not result.ok:
        raise SystemExit(1)


COMMANDS = (import_agencies_command, seed_demo_command)
