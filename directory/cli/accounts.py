"""Account and certification commands: ``create-admin``, ``send-certification-reminders``."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app

from ..db import today
from ..passwords import MAX_LENGTH, MIN_LENGTH


def _public_base() -> str:
    return current_app.config.get("SERVER_NAME_PUBLIC") or "http://localhost:5000"


@click.command("create-admin")
@click.argument("email")
@click.option(
    "--link", is_flag=True, help="Print a set-password link instead of asking for a password."
)
def create_admin_command(email: str, link: bool) -> None:
    """Create or promote a program administrator (asks for a password, or prints a link)."""
    from email_validator import EmailNotValidError, validate_email

    from ..services import accounts

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    password = None
    if not link:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            raise click.ClickException(
                f"The password must have {MIN_LENGTH} to {MAX_LENGTH} characters."
            )
    user = accounts.create_admin(email, password)
    click.echo(f"Administrator {user.email} is ready.")
    if link:
        with current_app.test_request_context("/", base_url=_public_base()):
            url = accounts.external_url(
                "account.reset_password", token=accounts.make_token(user, "reset"), lang="en"
            )
        click.echo(f"Set the password within {accounts.RESET_MAX_AGE // 60} minutes: {url}")


@click.command("send-certification-reminders")
@click.option("--date", "on", default=None, help="Pretend today is YYYY-MM-DD (for tests).")
def send_reminders_command(on: str | None) -> None:
    """Email agencies 30 and 7 days before their certification expires, and on the day."""
    from ..services.certifications import send_expiry_reminders

    day = dt.date.fromisoformat(on) if on else today()
    sent = send_expiry_reminders(day)
    click.echo(f"Sent {sent} certification reminder(s) for {day.isoformat()}.")


COMMANDS = (create_admin_command, send_reminders_command)
