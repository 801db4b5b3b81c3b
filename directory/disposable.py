"""Disposable (throw-away) email domains, refused where an address must identify a person.

The list is the community-maintained ``disposable-email-domains`` package (its blocklist minus
its allowlist); a subdomain of a listed domain is disposable too.
"""

from __future__ import annotations

from functools import cache

from disposable_email_domains import allowlist, blocklist


@cache
def _domains() -> frozenset[str]:
    return frozenset(blocklist) - frozenset(allowlist)


def is_disposable(email: str) -> bool:
    """Whether the address's domain (or a parent domain) is a known disposable-mail provider."""
    domain = (email or "").rpartition("@")[2].strip().lower().rstrip(".")
    if not domain:
        return False
    labels = domain.split(".")
    listed = _domains()
    return any(".".join(labels[i:]) in listed for i in range(len(labels) - 1))
