"""Helpers for the self-service tests: accounts with passwords, signing in, teams."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from directory.db import db, utcnow
from directory.models import Membership, User
from directory.passwords import hash_password

from .helpers import post_form

PASSWORD = "correct horse battery staple"


class RequestScopedClient(FlaskClient):
    """A test client whose every request gets its own app context (``g``), as in production.

    The ``app`` fixture keeps one app context open for the whole test; requests would reuse it,
    sharing ``g`` (Flask-Login's cached user, Flask-WTF's cached token) between clients.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _request_scoped_clients(app):
    """Use ``RequestScopedClient`` for every client of the test."""
    app.test_client_class = RequestScopedClient
    yield
    db.session.expire_all()


def make_user(email: str, *, verified: bool = True, admin: bool = False, password=PASSWORD):
    """A user with a password (verified unless told otherwise)."""
    user = User(
        email=email,
        password_hash=hash_password(password),
        is_admin=admin,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def add_member(user: User, agency, role: str = "manager") -> None:
    """Put ``user`` in the agency's team."""
    db.session.add(Membership(user_id=user.id, agency_id=agency.id, role=role))
    db.session.commit()


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
