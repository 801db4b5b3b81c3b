"""Small helpers for tests: CSRF tokens from rendered forms, reading the mail outbox."""

from __future__ import annotations

import re

from directory.mail import read_outbox

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """GET ``path`` and return the CSRF token of its first form."""
    response = client.get(path)
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, f"no csrf_token in {path} ({response.status_code})"
    return match.group(1)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form to ``path`` with a valid CSRF token taken from ``token_from`` (or ``path``)."""
    data = {"csrf_token": csrf_token(client, token_from or path), **data}
    return client.post(path, data=data, **kwargs)


def last_mail(to: str | None = None) -> dict:
    """The newest message in the file outbox (optionally the newest to ``to``)."""
    messages = [m for m in read_outbox() if to is None or to in m["to"]]
    assert messages, f"no mail sent{' to ' + to if to else ''}"
    return messages[-1]


def links_in(text: str) -> list[str]:
    """Every http(s) URL in a mail body."""
    return re.findall(r"https?://\S+", text)
