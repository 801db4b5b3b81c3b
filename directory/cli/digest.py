"""The ``send-digests`` command: the monthly digest to agency owners and managers."""

from __future__ import annotations

import click

from ..services.insights import digest


def _month(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        digest.month_start(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-11") from None
    return value


@click.command("send-digests")
@click.option("--month", callback=_month, help="The month to report (YYYY-MM; default last month).")
@click.option("--dry-run", is_flag=True, help="List who would get it; send nothing.")
def send_digests_command(month: str | None, dry_run: bool) -> None:
    """Mail the monthly digest to everyone due it (each person gets a month once)."""
    report = digest.send_digests(month, dry_run=dry_run)
    if dry_run:
        for address in report.recipients:
            click.echo(address)
        click.echo(f"Would send {len(report.recipients)} digest(s) for {report.month}.")
        return
    click.echo(f"Sent {report.sent} digest(s) for {report.month}; {report.failed} failed.")


COMMANDS = (send_digests_command,)
