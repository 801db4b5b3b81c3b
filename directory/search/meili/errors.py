"""Meilisearch failures in words an operator can act on (``search-setup``, ``/healthz``, logs).

The client's exceptions say ``MeilisearchApiError`` or a stack of urllib3 reasons; the operator
needs to know whether to fix the key, the URL, the index or wait for the server. The text
never carries the key, the URL or a document.
"""

from __future__ import annotations

import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

# Error codes of a request refused for its credentials, and what to do about each.
KEY_PROBLEMS = {
    "invalid_api_key": (
        "the server refused the API key (wrong key, or not allowed on this index): "
        "check MEILI_API_KEY"
    ),
    "missing_authorization_header": "the server wants an API key; set MEILI_API_KEY",
}


def explain(exc: BaseException) -> str:
    """One line saying what went wrong with a Meilisearch call, without secrets."""
    if isinstance(exc, MeilisearchApiError):
        code = exc.code or f"HTTP {exc.status_code}"
        if exc.code in KEY_PROBLEMS:
            return f"API key problem ({code}): {KEY_PROBLEMS[exc.code]}"
        if exc.status_code == 403:
            # A valid key without this index or action: Meilisearch says invalid_api_key too
            # in most versions, but a proxy may answer a bare 403.
            return f"API key problem ({code}): the key may not use this index or action"
        return f"{code}: {exc.message}"[:300]
    if isinstance(exc, MeilisearchTimeoutError | requests.Timeout):
        return "no answer in time (server overloaded or hung)"
    if isinstance(exc, MeilisearchCommunicationError | requests.ConnectionError):
        return "cannot connect (server down, or wrong MEILI_URL)"
    return type(exc).__name__
