"""Password hashing with Argon2id, and the password policy (ASVS V2.1)."""

from __future__ import annotations

import contextlib
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128  # long passphrases welcome; the cap only bounds hashing work
# zxcvbn scores 0-4; 3 means "safely unguessable" (about 10^8 guesses and up).
MIN_SCORE = 3
# zxcvbn's bundled lists (leaked passwords, common words) are English; these are the French
# passwords that top the published leak rankings, ranked first so they score as very common.
FRENCH_COMMON = (
    "motdepasse",
    "azerty",
    "azertyuiop",
    "soleil",
    "bonjour",
    "doudou",
    "chouchou",
    "loulou",
    "marseille",
    "jetaime",
    "coucou",
    "nicolas",
    "camille",
    "chocolat",
    "princesse",
    "football",
    "olivier",
    "vacances",
    "liberte",
    "france",
    "paris",
    "annuaire",
    "agence",
)


def password_problem(password: str, personal: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is too easy to guess, or None when it is strong enough (ASVS 2.1.7).

    Checked offline with zxcvbn against its leaked-password and word lists, keyboard and
    date patterns, the French list above and ``personal`` values (the email, the name).
    """
    personal_words = _personal_words(personal)
    lowered = password.lower()
    # The whole address or name inside the password is guessable whatever zxcvbn scores.
    if any(len(word) >= 4 and word in lowered for word in _whole_values(personal)):
        return "personal"
    inputs = [*FRENCH_COMMON, *sorted(personal_words)]
    result = zxcvbn(password[:MAX_LENGTH], user_inputs=inputs, max_length=MAX_LENGTH)
    if result["score"] >= MIN_SCORE:
        return None
    if any(word in lowered for word in personal_words):
        return "personal"
    return "common" if _matches_list(result) else "guessable"


def _matches_list(result: dict) -> bool:
    names = {match.get("dictionary_name") for match in result["sequence"]}
    return bool(names & {"passwords", "user_inputs"})


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text.lower()).split()


def _whole_values(values: tuple[str, ...]) -> set[str]:
    """The email's local part and the name without separators (``jeandupont``)."""
    return {"".join(_words((v or "").partition("@")[0])) for v in values if v}


def _personal_words(values: tuple[str, ...]) -> set[str]:
    """The local part of the email and the name, word by word (``jean.dupont`` gives both)."""
    words: set[str] = set()
    for value in values:
        words |= {w for w in _words((value or "").partition("@")[0]) if len(w) >= 4}
    return words


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
