"""Who may do what: the session user, agency membership, and administrators."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from .db import db
from .extensions import login_manager
from .models import Agency, Membership, User
from .services import sessions


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The user of the server-side session the cookie names; None once that session ended."""
    return sessions.load_session_user(session_token)


def _load_user_first() -> None:
    """Resolve the signed-in user before the view runs, when a cookie may name a session.

    The loader may write the session's last-seen time and commit; doing it first means that
    commit never carries a view's half-done work.
    """
    if request.endpoint == "static" or request.blueprint == "badges":
        return  # badges answer the same with or without cookies (embedded on other sites)
    if session_cookie_sent():
        current_user._get_current_object()


def session_cookie_sent() -> bool:
    """Whether the request carries a cookie that may name a session (session or remember-me)."""
    config = current_app.config
    names = (config["SESSION_COOKIE_NAME"], config["REMEMBER_COOKIE_NAME"])
    return any(name in request.cookies for name in names)


def member_agency(slug: str, roles: tuple[str, ...] = ("owner", "manager")) -> Agency:
    """The agency ``slug`` if the current user holds one of ``roles`` in it (or is admin).

    Anything else is a 404, so an agency's existence and drafts do not leak.
    """
    if not current_user.is_authenticated:
        abort(404)
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        abort(404)
    if current_user.is_admin:
        return agency
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.agency_id == agency.id, Membership.user_id == current_user.id
        )
    )
    if role not in roles:
        abort(404)
    return agency


def admin_required(view):
    """Only program administrators; others get a 404 (the admin area is not advertised)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def verified_required(view):
    """Signed in with a confirmed email address; others are sent to confirm it."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.email_verified_at is None:
            flash(_l("Confirm your email address first: we sent you a link."), "warning")
            return redirect(url_for("dashboard.index"))
        return view(*args, **kwargs)

    return wrapped


def owner_agency(slug: str) -> Agency:
    """The agency ``slug`` if the current user owns it (or is admin); 404 otherwise."""
    return member_agency(slug, roles=("owner",))


def safe_next(target: str | None, default: str) -> str:
    """A redirect target on this site only (no scheme, no host, no ``//``): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    # Browsers drop tabs and newlines inside URLs: "/\t/evil.example" would become "//evil…".
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def reset_email_key() -> str:
    """Rate-limit key for reset requests to one address (no mail bombing from many clients)."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"reset-account:{email}"


def register_auth(app: Flask) -> None:
    """Bind Flask-Login to the server-side sessions, with a strong session protection."""
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "strong"
    app.before_request(_load_user_first)
