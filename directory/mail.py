"""Outgoing mail through a configurable backend: console, file outbox (dev/tests), or SMTP."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from .private_files import private_dir, write_private_text

logger = logging.getLogger("directory.mail")


def build_message(
    to: str | list[str],
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """An RFC 5322 message from the configured sender (``headers``: extra ones, e.g. List-*)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join([to] if isinstance(to, str) else to)
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@directory>"
    if reply_to:
        message["Reply-To"] = reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(
    to: str | list[str],
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one message with the backend named by ``MAIL_BACKEND``."""
    message = build_message(to, subject, text, html, reply_to, headers)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "smtp":
        _send_smtp(message)
    elif backend == "file":
        _write_file(message)
    else:
        logger.info("mail to %s: %s\n%s", message["To"], subject, text)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_file(message: EmailMessage) -> None:
    # Messages hold sign-in links and prospects' details: readable by the app's user only.
    outbox = private_dir(current_app.config["MAIL_OUTBOX_DIR"])
    record = {
        "to": message["To"],
        "from": message["From"],
        "subject": message["Subject"],
        "reply_to": message["Reply-To"],
        "list_unsubscribe": message["List-Unsubscribe"],
        "text": message.get_body(("plain",)).get_content(),
        "sent_at": time.time(),
    }
    html = message.get_body(("html",))
    if html is not None and html is not message.get_body(("plain",)):
        record["html"] = html.get_content()
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json"
    write_private_text(outbox / name, json.dumps(record, ensure_ascii=False, indent=2))


def read_outbox(directory: str | Path | None = None) -> list[dict]:
    """Messages written by the file backend, oldest first (for tests and development)."""
    outbox = Path(directory or current_app.config["MAIL_OUTBOX_DIR"])
    if not outbox.exists():
        return []
    return [json.loads(p.read_text()) for p in sorted(outbox.glob("*.json"))]
