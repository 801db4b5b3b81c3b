"""Flask commands (``flask --app app --help`` lists them all)."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach every command group of the project to the app."""
    from .cli_accounts import register_account_cli
    from .cli_import import register_import_cli
    from .cli_leads import register_lead_cli
    from .jobs import register_job_commands
    from .search.tasks import register_search_commands

    register_import_cli(app)
    register_account_cli(app)
    register_lead_cli(app)
    register_search_commands(app)
    register_job_commands(app)
