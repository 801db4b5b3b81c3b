"""Sign-in backoff per client address and per account from that address, never a hard lock.

After ``free`` consecutive failures in a scope, each next attempt in that scope must wait
2, 4, 8 … seconds after the last failure, up to ``MAX_WAIT``. The scopes are the client's
address (password spraying across accounts) and one account from that address (guessing one
password). No scope covers an account from every address, so nobody can lock an owner out:
the owner's own address keeps its full allowance whatever others try.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import math

from flask import current_app
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..db import db, utcnow
from ..models import LoginThrottle

ADDRESS_FREE = 20  # an office behind one NAT shares it
ACCOUNT_FREE = 5
MAX_WAIT = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=24)  # a quiet day starts the count again


class TooManyAttempts(Exception):
    """The client must wait ``wait`` seconds before trying this sign-in again."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def client_scope(address: str | None) -> str:
    """The address a throttle counts: IPv6 by /64, as one machine is usually given a whole /64."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _key(scope: str) -> str:
    # Keyed hash: the table never holds a readable address or email.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, scope.encode(), hashlib.sha256).hexdigest()


def _keys(email: str, address: str | None) -> tuple[str, str]:
    """The keys of the two scopes: the client's address, and this account from it."""
    client = client_scope(address)
    account = (email or "").strip().lower()[:254]
    return _key(f"address:{client}"), _key(f"account:{account}|{client}")


def _scopes(email: str, address: str | None) -> dict[str, int]:
    address_key, account_key = _keys(email, address)
    return {address_key: ADDRESS_FREE, account_key: ACCOUNT_FREE}


def delay_after(failures: int, free: int) -> dt.timedelta:
    """How long to wait after the last of ``failures`` consecutive failures."""
    if failures < free:
        return dt.timedelta(0)
    exponent = min(failures - free + 1, 20)  # 2**20 s is past any sane cap already
    return min(dt.timedelta(seconds=2**exponent), MAX_WAIT)


def wait_seconds(email: str, address: str | None) -> int:
    """Seconds this client must wait before trying this account again (0: go ahead)."""
    scopes = _scopes(email, address)
    now = utcnow()
    wait = dt.timedelta(0)
    for row in db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(scopes))):
        since = now - _aware(row.last_failed_at)
        if since >= FORGET_AFTER:
            continue
        wait = max(wait, delay_after(row.failures, scopes[row.key]) - since)
    return math.ceil(wait.total_seconds())


def check(email: str, address: str | None) -> None:
    """Raise ``TooManyAttempts`` when this client is still in a backoff for this account."""
    wait = wait_seconds(email, address)
    if wait > 0:
        raise TooManyAttempts(wait)


def record_failure(email: str, address: str | None) -> None:
    """Count a failed sign-in in every scope (one upsert each, safe under concurrency)."""
    now = utcnow()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for key in _scopes(email, address):
        insert = dialect.insert(LoginThrottle).values(key=key, failures=1, last_failed_at=now)
        stale = LoginThrottle.last_failed_at < now - FORGET_AFTER
        db.session.execute(
            insert.on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                    "last_failed_at": now,
                },
            )
        )
    db.session.commit()


def record_success(email: str, address: str | None) -> None:
    """Forget this account's failures from this address (the address count decays on its own)."""
    _address_key, account_key = _keys(email, address)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key))


def purge_stale() -> int:
    """Delete counters nobody added to for a day (a daily job); returns how many."""
    deleted = db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_failed_at < utcnow() - FORGET_AFTER)
    ).rowcount
    db.session.commit()
    return deleted
