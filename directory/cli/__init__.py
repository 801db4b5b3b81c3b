"""Flask commands, one module per command group (``flask --app app --help`` lists them all)."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach every command group of the project to the app."""
    from . import accounts, daily, db, digest, imports, leads, search

    for group in (db, imports, accounts, leads, search, daily, digest):
        for command in group.COMMANDS:
            app.cli.add_command(command)
