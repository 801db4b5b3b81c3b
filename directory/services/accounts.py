"""Accounts: sign-up, email verification, sign-in, password reset and change.

Tokens are signed (itsdangerous), expire, and carry a fingerprint of the account's state, so a
token stops working as soon as it has been used (verification sets ``email_verified_at``; a reset
changes the password hash and the session version).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from ..db import db, utcnow
from ..mail import send_mail
from ..models import User
from ..passwords import hash_password, needs_rehash, verify_password
from . import login_throttle, sessions
from .audit import record

logger = logging.getLogger("directory.accounts")

VERIFY_MAX_AGE = 48 * 3600
RESET_MAX_AGE = 3600


def normalize_email(email: str) -> str:
    """The form in which addresses are stored and compared."""
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The account with this address, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive datetimes
        return value.replace(tzinfo=dt.UTC)
    return value


# --- tokens -----------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account.{purpose}")


def fingerprint(user: User) -> str:
    """A digest of what a used token changes, so each token works once."""
    state = "|".join(
        str(v)
        for v in (
            user.id,
            normalize_email(user.email),
            user.password_hash or "",
            _aware(user.email_verified_at).isoformat() if user.email_verified_at else "",
            user.session_version,
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_token(user: User, purpose: str) -> str:
    """A signed token for ``purpose`` ("verify" or "reset") bound to the account's state."""
    return _serializer(purpose).dumps({"u": user.id, "f": fingerprint(user)})


def read_token(token: str, purpose: str, max_age: int) -> User | None:
    """The account a valid, unexpired, unused token was made for; None otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or data.get("f") != fingerprint(user):
        return None
    return user


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for emails, on ``PUBLIC_URL`` when it is configured."""
    base = current_app.config.get("SERVER_NAME_PUBLIC")
    path = url_for(endpoint, **values)
    if base:
        return base.rstrip("/") + path
    if current_app.config.get("ENV_NAME") == "production":
        # The Host header is the client's: links in emails must come from configuration.
        logger.warning("PUBLIC_URL is not set: email links use the request's Host header")
    return request.host_url.rstrip("/") + path


# --- sign-up and verification ----------------------------------------------------------------


def sign_up(
    email: str, password: str, name: str | None = None, locale: str | None = None
) -> User | None:
    """Create an unverified account and mail a verification link; ``locale`` (the language
    the person signed up in) is the language of the mails sent to them later (the digest).

    When the address already has an account, that address gets a notice instead and the caller
    shows the same page, so the form does not reveal who has an account.
    """
    existing = find_user(email)
    if existing is not None:
        hash_password(password)  # same work as a real sign-up
        send_mail(
            existing.email,
            _("Someone tried to create an account with your address"),
            render_template(
                "account/email/already_registered.txt",
                login_url=external_url("account.login"),
                reset_url=external_url("account.forgot_password"),
            ),
        )
        return None
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        name=name,
        locale=locale,
    )
    db.session.add(user)
    db.session.commit()
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Mail a link that confirms the address (valid 48 hours, once)."""
    link = external_url("account.verify_email", token=make_token(user, "verify"))
    send_mail(
        user.email,
        _("Confirm your email address"),
        render_template("account/email/verify.txt", link=link, hours=VERIFY_MAX_AGE // 3600),
    )


def verify_email(token: str) -> User | None:
    """Mark the address confirmed; None when the link is invalid, expired or already used."""
    user = read_token(token, "verify", VERIFY_MAX_AGE)
    if user is None or user.email_verified_at is not None:
        return None
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


# --- sign-in ----------------------------------------------------------------------------------


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """The account if the password is right; None otherwise.

    Raises ``login_throttle.TooManyAttempts`` while the client at ``address`` is in a backoff
    for this account (the password is then not checked at all, so guessing gains nothing).
    Every failure costs one Argon2 verification, known address or not.
    """
    login_throttle.check(email, address)
    user = find_user(email)
    # An unknown address costs the same Argon2 work as a wrong password (no account oracle).
    if not verify_password(user.password_hash if user else None, password) or user is None:
        login_throttle.record_failure(email, address)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    login_throttle.record_success(email, address)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def end_all_sessions(user: User) -> None:
    """End every session and remember-me cookie of the account, on every device."""
    sessions.revoke_all(user)
    record("account.signed_out_everywhere", actor=user, target=f"user:{user.id}")
    db.session.commit()


# --- password reset and change ----------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an account; do the same work either way."""
    user = find_user(email)
    if user is None:
        make_token(User(id=0, email=email, session_version=1), "reset")
        return
    link = external_url("account.reset_password", token=make_token(user, "reset"))
    send_mail(
        user.email,
        _("Reset your password"),
        render_template("account/email/reset.txt", link=link, minutes=RESET_MAX_AGE // 60),
    )


def reset_password(token: str, password: str) -> User | None:
    """Set a new password from a reset link; ends every other session. None if the link is bad."""
    user = read_token(token, "reset", RESET_MAX_AGE)
    if user is None:
        return None
    set_password(user, password)
    if user.email_verified_at is None:  # the link proved control of the mailbox
        user.email_verified_at = utcnow()
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password and end every session (caller commits).

    The session version is part of the mailed tokens' fingerprint: older links stop working.
    """
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    sessions.revoke_all(user)


def change_password(user: User, current: str, new: str) -> bool:
    """Change the password after checking the current one; every session ends (caller restarts)."""
    if not verify_password(user.password_hash, current):
        return False
    set_password(user, new)
    record("account.password_changed", actor=user, target=f"user:{user.id}")
    db.session.commit()
    return True


def create_admin(email: str, password: str | None) -> User:
    """Create (or promote) a verified administrator account."""
    user = find_user(email)
    if user is None:
        user = User(email=normalize_email(email))
        db.session.add(user)
    user.is_admin = True
    user.email_verified_at = user.email_verified_at or utcnow()
    if password:
        set_password(user, password)
    db.session.flush()
    record("admin.created", actor=None, target=f"user:{user.id}", after={"email": user.email})
    db.session.commit()
    return user
