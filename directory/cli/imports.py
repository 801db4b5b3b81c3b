"""The ``import-agencies`` and ``seed-demo`` commands: thin wrappers over the import service."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..services.imports.lines import Problem


def _echo_problem(problem: Problem) -> None:
    click.echo(str(problem), err=True)


@click.command("import-agencies")
@click.argument("source", metavar="FILE|-", type=click.File("rb"))
@with_appcontext
def import_agencies_command(source) -> None:
    """Create or update agencies from a JSON Lines FILE, or - for standard input.

    Problems go to standard error as "line N: field: reason"; the summary line goes to
    standard output; the exit status is 1 when any line failed. See docs/import.md.
    """
    from ..services.imports.pipeline import import_agencies

    result = import_agencies(source, _echo_problem)
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
