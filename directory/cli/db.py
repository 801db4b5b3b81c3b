"""Database commands: ``init-db`` (``db upgrade`` and friends come from Flask-Migrate)."""

from __future__ import annotations

import click

from ..db import db


@click.command("init-db")
@click.option("--drop", is_flag=True, help="Drop every table first (destroys data).")
def init_db_command(drop: bool) -> None:
    """Create the schema at the latest migration (same as ``db upgrade``)."""
    from flask_migrate import upgrade

    if drop:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()
    click.echo("Database ready.")


COMMANDS = (init_db_command,)
