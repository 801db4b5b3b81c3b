"""Helpers for driving the site: CSRF tokens, form posts, signing in, the mail outbox."""

from __future__ import annotations

import os
import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from directory.mail import read_outbox
from directory.models import User

from .factories import PASSWORD

FRENCH_CATALOG = (
    Path(__file__).resolve().parents[2] / "directory/translations/fr/LC_MESSAGES/messages.po"
)
# The CSRF token of a rendered form (test clients and the stack tests' requests).
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class RequestScopedClient(FlaskClient):
    """A test client whose every request gets its own app context (``g``), as in production.

    The ``app`` fixture keeps one app context open for the whole test; requests would reuse it,
    sharing ``g`` (Flask-Login's cached user, Flask-WTF's cached token) between clients.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def csrf_token(client, path: str) -> str:
    """GET ``path`` and return the CSRF token of its first form."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, f"no csrf_token in {path} ({response.status_code})"
    return match.group(1)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form to ``path`` with a valid CSRF token taken from ``token_from`` (or ``path``)."""
    data = {"csrf_token": csrf_token(client, token_from or path), **data}
    return client.post(path, data=data, **kwargs)


def login(client, email: str, password: str = PASSWORD, **extra):
    """Sign in through the form; returns the response."""
    data = {"email": email, "password": password, **extra}
    return post_form(client, "/en/account/login", data)


def login_as(app, user: User):
    """A fresh client signed in as ``user``."""
    client = app.test_client()
    response = login(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def sign_in_page(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form in a Playwright ``page`` and wait for the member's landing page."""
    page.goto(f"{base}/en/account/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(dashboard|admin)/.*"))


def last_mail(to: str | None = None) -> dict:
    """The newest message in the file outbox (optionally the newest to ``to``)."""
    messages = [m for m in read_outbox() if to is None or to in m["to"]]
    assert messages, f"no mail sent{' to ' + to if to else ''}"
    return messages[-1]


def links_in(text: str) -> list[str]:
    """Every http(s) URL in a mail body."""
    return re.findall(r"https?://\S+", text)


def mail_link(to: str, part: str = "") -> str:
    """The first link containing ``part`` in the newest mail to ``to``."""
    return next(link for link in links_in(last_mail(to)["text"]) if part in link)


def path_of(url: str) -> str:
    """The path (and query) of an absolute URL, for the test client."""
    return "/" + url.split("/", 3)[3]


def compile_french_catalog() -> None:
    """Compile the French catalog when stale (``make`` does it; the tests must not rely on it)."""
    mo = FRENCH_CATALOG.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < FRENCH_CATALOG.stat().st_mtime:
        with FRENCH_CATALOG.open("rb") as source:
            catalog = read_po(source)
        tmp = mo.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)
