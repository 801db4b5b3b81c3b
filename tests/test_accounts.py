"""Accounts: sign-up, verification, sign-in, sessions, password reset, admin creation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from directory import create_app
from directory.db import db
from directory.mail import read_outbox
from directory.models import User
from tests.support.factories import PASSWORD, make_user
from tests.support.web import csrf_token, last_mail, login, mail_link, path_of, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def test_signup_sends_a_verification_link_that_works_once(client):
    response = post_form(
        client, "/en/account/signup", {"email": "Ana@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert user.email == "ana@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert user.email_verified_at is None
    link = path_of(mail_link("ana@example.com"))
    assert client.get(link).status_code == 200
    response = post_form(client, link, {})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None
    # Single use: the fingerprint changed with email_verified_at.
    assert client.get(link).status_code == 400
    assert post_form(client, "/en/account/login", {}, token_from="/en/account/login") is not None
    response = client.post(link, data={"csrf_token": csrf_token(client, "/en/account/login")})
    assert response.status_code == 400


def test_signup_with_a_known_address_looks_the_same(client):
    make_user("known@example.com")
    first = post_form(
        client, "/en/account/signup", {"email": "new@example.com", "password": PASSWORD}
    )
    second = post_form(
        client, "/en/account/signup", {"email": "known@example.com", "password": PASSWORD}
    )
    assert first.status_code == second.status_code == 200
    strip = lambda r: r.get_data(as_text=True).split('name="csrf_token"')[0]  # noqa: E731
    assert strip(first).replace("new@", "") == strip(second).replace("known@", "")
    assert "already has one" in last_mail("known@example.com")["text"]
    assert db.session.query(User).count() == 2


def test_signup_validation_messages_per_field(client):
    response = post_form(client, "/en/account/signup", {"email": "nope", "password": "short"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter a valid email address." in body
    assert "Use between 12 and 128 characters." in body
    fr = post_form(client, "/fr/account/signup", {"email": "nope", "password": "short"})
    assert fr.status_code == 422


def test_tampered_or_expired_verification_token(client, app, monkeypatch):
    user = make_user("late@example.com", verified=False)
    from directory.services import accounts

    with app.test_request_context():
        token = accounts.make_token(user, "verify")
    assert client.get(f"/en/account/verify/{token}x").status_code == 400
    monkeypatch.setattr(accounts, "VERIFY_MAX_AGE", -1)
    assert client.get(f"/en/account/verify/{token}").status_code == 400
    # A reset token is not a verification token.
    monkeypatch.setattr(accounts, "VERIFY_MAX_AGE", 3600)
    with app.test_request_context():
        reset = accounts.make_token(user, "reset")
    assert client.get(f"/en/account/verify/{reset}").status_code == 400


def test_login_logout_and_generic_failure(client):
    make_user("ana@example.com")
    wrong = login(client, "ana@example.com", "wrong password!!")
    unknown = login(client, "nobody@example.com", "wrong password!!")
    assert wrong.status_code == unknown.status_code == 401
    msg = "Wrong email or password"
    assert msg in wrong.get_data(as_text=True) and msg in unknown.get_data(as_text=True)
    response = login(client, "ANA@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/dashboard/")
    assert client.get("/en/dashboard/").status_code == 200
    token = csrf_token(client, "/en/dashboard/")
    assert client.post("/en/account/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/en/dashboard/").status_code == 302


def test_login_starts_a_new_session(client):
    make_user("ana@example.com")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, "ana@example.com")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(str(db.session.scalar(select(User.id))))


def test_login_redirects_only_to_local_next(client):
    make_user("ana@example.com")
    for target, expected in [
        ("/en/dashboard/new", "/en/dashboard/new"),
        ("https://evil.example/", "/en/dashboard/"),
        ("//evil.example/", "/en/dashboard/"),
        ("/\\evil.example", "/en/dashboard/"),
        ("/\t/evil.example", "/en/dashboard/"),
        ("/\n/evil.example", "/en/dashboard/"),
    ]:
        fresh = client.application.test_client()
        data = {"email": "ana@example.com", "password": PASSWORD}
        token = csrf_token(fresh, "/en/account/login")
        response = fresh.post(
            "/en/account/login", query_string={"next": target}, data={"csrf_token": token, **data}
        )
        assert response.headers["Location"] == expected


def test_remember_me_lasts_at_most_30_days(client):
    make_user("ana@example.com")
    response = login(client, "ana@example.com", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember
    expires = next(p for p in remember.split("; ") if p.lower().startswith("expires="))
    when = dt.datetime.strptime(expires.split("=", 1)[1], "%a, %d %b %Y %H:%M:%S GMT")
    assert when - dt.datetime.now(dt.UTC).replace(tzinfo=None) <= dt.timedelta(days=30, minutes=1)


def test_logout_everywhere_ends_other_sessions(app):
    make_user("ana@example.com")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "ana@example.com", remember="y")
    login(phone, "ana@example.com")
    assert phone.get("/en/dashboard/").status_code == 200
    token = csrf_token(laptop, "/en/account/settings")
    assert (
        laptop.post("/en/account/logout-everywhere", data={"csrf_token": token}).status_code == 302
    )
    assert phone.get("/en/dashboard/").status_code == 302
    assert laptop.get("/en/dashboard/").status_code == 302


def test_per_account_lockout_after_repeated_failures(client):
    user = make_user("ana@example.com")
    for _ in range(10):
        assert login(client, "ana@example.com", "wrong password!!").status_code == 401
    db.session.refresh(user)
    assert user.locked_until is not None
    # Even the right password is refused while locked, with the same message.
    assert login(client, "ana@example.com").status_code == 401


def test_login_rate_limited_per_ip_and_per_account(tmp_path, _schema):
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": _schema,
            "MAIL_OUTBOX_DIR": str(tmp_path),
            "RATELIMIT_ENABLED": True,
            "SEARCH_INDEX_PATH": str(tmp_path / "search"),
        }
    )
    with app.app_context():
        client = app.test_client()
        token = csrf_token(client, "/en/account/login")
        statuses = [
            client.post(
                "/en/account/login",
                data={"csrf_token": token, "email": "victim@example.com", "password": "x" * 12},
            ).status_code
            for _ in range(12)
        ]
        assert statuses[:10] == [401] * 10
        assert statuses[10:] == [429, 429]
        # Another account from the same address is not yet blocked by the per-account limit.
        other = client.post(
            "/en/account/login",
            data={"csrf_token": token, "email": "other@example.com", "password": "x" * 12},
        )
        assert other.status_code == 401
        db.session.remove()


def test_password_reset_is_single_use_and_ends_sessions(app, client):
    user = make_user("ana@example.com")
    other_device = app.test_client()
    login(other_device, "ana@example.com")
    response = post_form(client, "/en/account/forgot", {"email": "ana@example.com"})
    assert response.status_code == 200
    unknown = post_form(client, "/en/account/forgot", {"email": "nobody@example.com"})
    assert unknown.get_data(as_text=True).count("If an account uses this address") == 1
    assert len(read_outbox()) == 1
    link = path_of(mail_link("ana@example.com"))
    new_password = "a brand new passphrase"
    response = post_form(client, link, {"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert other_device.get("/en/dashboard/").status_code == 302
    assert client.get(link).status_code == 400  # used
    assert login(client, "ana@example.com").status_code == 401
    assert login(client, "ana@example.com", new_password).status_code == 302
    db.session.refresh(user)
    assert user.session_version == 2


def test_change_password_keeps_this_device_signed_in(app, client):
    make_user("ana@example.com")
    other = app.test_client()
    login(other, "ana@example.com")
    login(client, "ana@example.com")
    new = "another long passphrase"
    response = post_form(
        client, "/en/account/settings", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/en/dashboard/").status_code == 200
    assert other.get("/en/dashboard/").status_code == 302


def test_create_admin_command(runner):
    result = runner.invoke(
        args=["create-admin", "boss@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert user.is_admin and user.email_verified_at is not None
    result = runner.invoke(args=["create-admin", "other@example.com", "--link"])
    assert result.exit_code == 0, result.output
    assert "/en/account/reset/" in result.output
    result = runner.invoke(args=["create-admin", "not-an-address"])
    assert result.exit_code != 0


def test_unknown_address_costs_the_same_password_work(client, monkeypatch):
    from directory import passwords

    make_user("ana@example.com")
    calls = []
    real = passwords.PasswordHasher.verify

    def spy(self, hash_, password):
        calls.append(hash_[:9])
        return real(self, hash_, password)

    monkeypatch.setattr(passwords.PasswordHasher, "verify", spy)
    login(client, "nobody@example.com", "wrong password!!")
    login(client, "ana@example.com", "wrong password!!")
    assert calls == ["$argon2id", "$argon2id"]
