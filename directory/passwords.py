"""Password hashing with Argon2id, and the password policy (ASVS V2.1)."""

from __future__ import annotations

import contextlib
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128  # long passphrases welcome; the cap only bounds hashing work


@cache
def _hasher(fast: bool) -> PasswordHasher:
    if fast:  # tests: the same algorithm with cheap parameters
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    # OWASP's Argon2id recommendation: 19 MiB memory, 2 iterations, 1 lane (and above).
    return PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2, type=Type.ID)


def hasher() -> PasswordHasher:
    """The hasher for the current app (cheap parameters when ``ARGON2_FAST``)."""
    return _hasher(bool(current_app.config.get("ARGON2_FAST")))


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password never matches.

    Without a stored hash we still hash once against a dummy, so an unknown or password-less
    account takes as long to refuse as a wrong password.
    """
    ph = hasher()
    if not stored_hash:
        with contextlib.suppress(VerificationError):
            ph.verify(_dummy_hash(bool(current_app.config.get("ARGON2_FAST"))), password)
        return False
    try:
        return ph.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash uses older parameters than today's (rehash on the next sign-in)."""
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash("not-a-real-password-used-for-timing-only")
