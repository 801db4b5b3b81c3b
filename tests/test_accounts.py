"""Accounts: sign-up, verification, sign-in, sessions, password reset, admin creation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from directory import create_app
from directory.db import db, utcnow
from directory.mail import read_outbox
from directory.models import LoginThrottle, Membership, User
from directory.services import agencies, login_throttle, sessions
from tests.support.factories import PASSWORD, add_member, make_user
from tests.support.threads import race
from tests.support.web import (
    csrf_token,
    last_mail,
    links_in,
    login,
    login_as,
    mail_link,
    path_of,
    post_form,
)

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


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_signup_keeps_the_language_for_later_mails(client, lang):
    path = f"/{lang}/account/signup"
    assert post_form(client, path, {"email": "lea@example.com", "password": PASSWORD}).status_code
    assert db.session.scalar(select(User.locale)) == lang


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
        token = sess["_user_id"]
    # The cookie names a server-side session of the user, never the account itself.
    record = sessions.find_session(token)
    assert record is not None and record.user_id == db.session.scalar(select(User.id))
    assert str(record.user_id) not in token.split(":")


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


ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def throttle_clock(monkeypatch):
    """Freeze the sign-in backoff's clock; returns a list whose first item is the time."""
    now = [utcnow()]
    monkeypatch.setattr(login_throttle, "utcnow", lambda: now[0])
    return now


def attempt(client, email, password, environ):
    """A sign-in from the client address in ``environ`` (the client keeps that address)."""
    client.environ_base.update(environ)
    token = csrf_token(client, "/en/account/login")
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/en/account/login", data=data)


def test_failures_slow_down_the_client_exponentially(app, throttle_clock):
    make_user("ana@example.com")
    client = app.test_client()
    free = login_throttle.ACCOUNT_FREE
    for _ in range(free):
        assert attempt(client, "ana@example.com", "wrong password!!", ATTACKER).status_code == 401
    waits = []
    for _ in range(4):
        response = attempt(client, "ana@example.com", "wrong password!!", ATTACKER)
        assert response.status_code == 429
        assert "Too many failed attempts" in response.get_data(as_text=True)
        waits.append(int(response.headers["Retry-After"]))
        throttle_clock[0] += dt.timedelta(seconds=waits[-1])
        # The wait is over: this attempt is checked (and fails), doubling the next wait.
        assert attempt(client, "ana@example.com", "wrong password!!", ATTACKER).status_code == 401
    assert waits == [2, 4, 8, 16]
    # While waiting, even the right password is not checked.
    assert attempt(client, "ana@example.com", PASSWORD, ATTACKER).status_code == 429
    throttle_clock[0] += login_throttle.MAX_WAIT
    assert attempt(client, "ana@example.com", PASSWORD, ATTACKER).status_code == 302


def test_waits_are_capped(app):
    assert login_throttle.delay_after(4, 5) == dt.timedelta(0)
    assert login_throttle.delay_after(5, 5) == dt.timedelta(seconds=2)
    assert login_throttle.delay_after(500, 5) == login_throttle.MAX_WAIT


def test_an_attacker_cannot_lock_the_owner_out(app):
    make_user("ana@example.com")
    attacker = app.test_client()
    statuses = [
        attempt(attacker, "ana@example.com", "wrong password!!", ATTACKER).status_code
        for _ in range(30)
    ]
    assert statuses.count(401) == login_throttle.ACCOUNT_FREE and statuses[-1] == 429
    # The owner, from their own address, signs in at once.
    owner = app.test_client()
    assert attempt(owner, "ana@example.com", PASSWORD, OWNER).status_code == 302
    assert owner.get("/en/dashboard/").status_code == 200


def test_one_address_spraying_many_accounts_is_slowed(app):
    client = app.test_client()
    statuses = [
        attempt(client, f"user{n}@example.com", "wrong password!!", ATTACKER).status_code
        for n in range(login_throttle.ADDRESS_FREE + 1)
    ]
    assert statuses[:-1] == [401] * login_throttle.ADDRESS_FREE
    assert statuses[-1] == 429
    # Another address is not affected.
    assert attempt(client, "user0@example.com", "wrong password!!", OWNER).status_code == 401


def test_unknown_and_known_accounts_are_throttled_alike(app):
    make_user("ana@example.com")
    client = app.test_client()
    for email in ("ana@example.com", "nobody@example.com"):
        statuses = [
            attempt(client, email, "wrong password!!", OWNER).status_code
            for _ in range(login_throttle.ACCOUNT_FREE + 1)
        ]
        assert statuses[-1] == 429, email


def test_success_forgets_the_accounts_failures(app):
    make_user("ana@example.com")
    client = app.test_client()
    for _ in range(login_throttle.ACCOUNT_FREE - 1):
        attempt(client, "ana@example.com", "wrong password!!", OWNER)
    assert attempt(client, "ana@example.com", PASSWORD, OWNER).status_code == 302
    other = app.test_client()
    for _ in range(login_throttle.ACCOUNT_FREE):
        assert attempt(other, "ana@example.com", "wrong password!!", OWNER).status_code == 401


def test_throttle_stores_neither_address_nor_email(app):
    attempt(app.test_client(), "ana@example.com", "wrong password!!", ATTACKER)
    keys = " ".join(db.session.scalars(select(LoginThrottle.key)))
    assert "203.0.113" not in keys and "ana" not in keys


def test_ipv6_clients_are_counted_per_64():
    assert login_throttle.client_scope("2001:db8::1") == login_throttle.client_scope(
        "2001:db8::ffff:1"
    )
    assert login_throttle.client_scope("::ffff:192.0.2.1") == "192.0.2.1"
    assert login_throttle.client_scope(None) == "unknown"


def test_login_rate_limited_per_ip(tmp_path, _schema):
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
                data={"csrf_token": token, "email": f"u{n}@example.com", "password": "x" * 12},
            ).status_code
            for n in range(31)
        ]
        assert statuses[-1] == 429
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
    assert user.session_version == 2  # older mailed links stop working


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


# --- one owner per agency --------------------------------------------------------------------


def owners_of(agency) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.agency_id == agency.id, Membership.role == "owner"
            )
        )
    )


def test_database_refuses_a_second_owner(app, factory):
    agency = factory.agency()
    add_member(make_user(), agency, "owner")
    with pytest.raises(IntegrityError):
        add_member(make_user(), agency, "owner")
    db.session.rollback()


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_claims_leave_one_owner(app, factory, round_):
    agency = factory.agency(slug="imported", email="contact@imported.example")
    claimants = [make_user(), make_user()]
    with app.test_request_context():
        for user in claimants:
            assert agencies.request_claim(user, agency)
    links = [path_of(links_in(m["text"])[0]) for m in read_outbox()]
    assert len(links) == 2
    approvers = [app.test_client(), app.test_client()]
    tokens = [csrf_token(c, link) for c, link in zip(approvers, links, strict=True)]
    responses = race(
        *[
            lambda c=c, link=link, t=t: c.post(link, data={"csrf_token": t})
            for c, link, t in zip(approvers, links, tokens, strict=True)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], statuses
    loser = next(r for r in responses if r.status_code == 409)
    assert "already has an owner" in loser.get_data(as_text=True)
    assert len(owners_of(agency)) == 1


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_transfers_leave_one_owner(app, factory, round_):
    agency = factory.agency(slug="acme")
    owner = add_member(make_user("owner@example.com"), agency, "owner")
    first, second = add_member(make_user(), agency), add_member(make_user(), agency)
    team = "/en/dashboard/agencies/acme/team"
    tabs = [login_as(app, owner), login_as(app, owner)]
    tokens = [csrf_token(tab, team) for tab in tabs]
    targets = [str(first.id), str(second.id)]
    responses = race(
        *[
            lambda tab=tab, t=t, target=target: tab.post(
                f"{team}/transfer", data={"csrf_token": t, "user_id": target}
            )
            for tab, t, target in zip(tabs, tokens, targets, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert len(owners_of(agency)) == 1
    assert owners_of(agency)[0] in (first.id, second.id)
    assert db.session.get(Membership, (owner.id, agency.id)).role == "manager"
    messages = " ".join(tab.get(team).get_data(as_text=True) for tab in tabs)
    assert "it has just changed" in messages


SETTINGS = "/en/account/settings"  # a page with a form, for a CSRF token


def test_a_manager_cannot_hand_over_ownership(app, factory):
    agency = factory.agency(slug="acme")
    owner = add_member(make_user(), agency, "owner")
    manager = add_member(make_user(), agency)
    other = add_member(make_user(), agency)
    client = login_as(app, manager)
    team = "/en/dashboard/agencies/acme/team"
    for target in (manager, other):
        response = post_form(
            client, f"{team}/transfer", {"user_id": str(target.id)}, token_from=SETTINGS
        )
        assert response.status_code == 302
    assert "Only the current owner can hand over ownership" in client.get(team).get_data(
        as_text=True
    )
    assert owners_of(agency) == [owner.id]


def test_admin_transfer_replaces_the_owner(app, factory):
    agency = factory.agency(slug="acme")
    owner = add_member(make_user(), agency, "owner")
    manager = add_member(make_user(), agency)
    admin = make_user(admin=True)
    agencies.transfer_ownership(agency, admin, manager.id)
    assert owners_of(agency) == [manager.id]
    assert db.session.get(Membership, (owner.id, agency.id)).role == "manager"


def test_claim_of_an_owned_agency_is_refused(app, factory):
    agency = factory.agency(slug="imported", email="contact@imported.example")
    claimant = make_user()
    with app.test_request_context():
        assert agencies.request_claim(claimant, agency)
    owner = add_member(make_user(), agency, "owner")  # owned meanwhile (another claim won)
    link = path_of(links_in(read_outbox()[-1]["text"])[0])
    response = post_form(app.test_client(), link, {})
    assert response.status_code == 409
    assert "already has an owner" in response.get_data(as_text=True)
    assert owners_of(agency) == [owner.id]
