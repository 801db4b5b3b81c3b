"""Lead commands: the retention purge, and a prospect's export and erasure (GDPR)."""

from __future__ import annotations

import json

import click
from flask import current_app

from ..services.leads import privacy as lead_privacy


@click.command("purge-leads")
@click.option("--dry-run", is_flag=True, help="Count the expired leads without deleting them.")
def purge_leads_command(dry_run: bool) -> None:
    """Delete leads older than LEAD_RETENTION_MONTHS (default 24)."""
    months = current_app.config["LEAD_RETENTION_MONTHS"]
    count = lead_privacy.purge_expired_leads(dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {count} lead(s) older than {months} months.")


@click.command("prospect-export")
@click.argument("email")
def prospect_export_command(email: str) -> None:
    """Print, as JSON, everything held about a prospect's email (leads and reviews)."""
    click.echo(json.dumps(lead_privacy.export_prospect(email), ensure_ascii=False, indent=2))


@click.command("prospect-delete")
@click.argument("email")
def prospect_delete_command(email: str) -> None:
    """Erase a prospect's leads and reviews (right to erasure) and print what was deleted."""
    deleted = lead_privacy.erase_prospect(email)
    for kind in ("leads", "reviews"):
        for row_id, agency in deleted[kind]:
            click.echo(f"deleted {kind[:-1]} {row_id} (agency {agency})")
    click.echo(f"{len(deleted['leads'])} lead(s), {len(deleted['reviews'])} review(s) deleted.")


COMMANDS = (purge_leads_command, prospect_export_command, prospect_delete_command)
