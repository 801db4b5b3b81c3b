"""Server-side sessions: sign-out really ends them, idle and absolute limits, the sessions list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from directory.db import db, utcnow
from directory.models import UserSession
from directory.services import sessions
from tests.support.factories import PASSWORD, add_member, make_user
from tests.support.web import csrf_token, login, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

DASHBOARD = "/en/dashboard/"


class Clock:
    """The time the session code reads, moved by hand."""

    def __init__(self):
        self.now = utcnow()

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Freeze the sessions' clock; ``clock.advance(minutes=…)`` moves it."""
    frozen = Clock()
    monkeypatch.setattr(sessions, "utcnow", lambda: frozen.now)
    return frozen


def signed_in(app, email="ana@example.com", **extra):
    """A client signed in as ``email`` (the account must exist)."""
    client = app.test_client()
    assert login(client, email, **extra).status_code == 302
    return client


def copy_cookies(app, source, *names):
    """A fresh client holding only copies of ``source``'s cookies ``names`` (a stolen cookie)."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        thief.set_cookie(name, cookie.value)
    return thief


def sign_out(client):
    token = csrf_token(client, "/en/account/settings")
    assert client.post("/en/account/logout", data={"csrf_token": token}).status_code == 302


def test_captured_session_cookie_stops_working_after_logout(app, factory):
    user = make_user("ana@example.com")
    agency = factory.agency(slug="acme")
    add_member(user, agency, "owner")
    client = signed_in(app)
    thief = copy_cookies(app, client, "session")
    assert thief.get("/en/dashboard/acme/leads").status_code == 200
    sign_out(client)
    response = thief.get(DASHBOARD)
    assert response.status_code == 302
    assert "/en/account/login" in response.headers["Location"]
    assert thief.get("/en/dashboard/acme/leads").status_code == 404
    assert db.session.scalar(select(UserSession.revoked_at)) is not None


def test_captured_remember_me_cookie_stops_working_after_logout(app):
    make_user("ana@example.com")
    client = signed_in(app, remember="y")
    thief = copy_cookies(app, client, "remember_token")
    assert thief.get(DASHBOARD).status_code == 200  # the cookie alone signs in
    sign_out(client)
    assert client.get_cookie("remember_token") is None  # the browser was told to drop it
    assert thief.get(DASHBOARD).status_code == 302


def test_idle_session_ends_after_the_idle_timeout(app, clock):
    make_user("ana@example.com")
    assert app.config["SESSION_IDLE_MINUTES"] == 120
    client = signed_in(app, remember="y")
    clock.advance(minutes=119)
    assert client.get(DASHBOARD).status_code == 200  # activity moves the deadline
    clock.advance(minutes=119)
    assert client.get(DASHBOARD).status_code == 200
    clock.advance(minutes=121)
    assert client.get(DASHBOARD).status_code == 302
    # Remember-me does not outlive the idle limit either.
    assert copy_cookies(app, client, "remember_token").get(DASHBOARD).status_code == 302


def test_active_session_ends_at_the_absolute_lifetime(app, clock):
    make_user("ana@example.com")
    app.config["SESSION_IDLE_MINUTES"] = 60 * 24 * 40  # only the absolute limit applies
    assert app.config["SESSION_MAX_DAYS"] == 30
    client = signed_in(app, remember="y")
    for _day in range(29):
        clock.advance(days=1)
        assert client.get(DASHBOARD).status_code == 200
    clock.advance(hours=23, minutes=59)
    assert client.get(DASHBOARD).status_code == 200
    clock.advance(minutes=2)
    assert client.get(DASHBOARD).status_code == 302


def test_limits_are_configurable(app, clock):
    make_user("ana@example.com")
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = signed_in(app)
    clock.advance(minutes=6)
    assert client.get(DASHBOARD).status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(app, clock):
    make_user("ana@example.com")
    client = signed_in(app)
    row = db.session.scalar(select(UserSession))
    first = row.last_seen_at
    clock.advance(seconds=30)
    assert client.get(DASHBOARD).status_code == 200
    db.session.refresh(row)
    assert row.last_seen_at == first
    clock.advance(seconds=31)
    assert client.get(DASHBOARD).status_code == 200
    db.session.refresh(row)
    assert row.last_seen_at.replace(tzinfo=dt.UTC) == clock.now


def test_log_out_everywhere_ends_every_session_and_remember_cookie(app):
    make_user("ana@example.com")
    laptop = signed_in(app, remember="y")
    phone = signed_in(app)
    stolen = copy_cookies(app, laptop, "remember_token")
    token = csrf_token(laptop, "/en/account/settings")
    response = laptop.post("/en/account/logout-everywhere", data={"csrf_token": token})
    assert response.status_code == 302
    for client in (laptop, phone, stolen):
        assert client.get(DASHBOARD).status_code == 302
    assert db.session.scalar(select(UserSession).where(UserSession.revoked_at.is_(None))) is None


def test_password_change_ends_other_sessions_and_keeps_this_one(app):
    make_user("ana@example.com")
    other = signed_in(app, remember="y")
    stolen = copy_cookies(app, other, "session")
    client = signed_in(app)
    new = "another long passphrase"
    response = post_form(
        client, "/en/account/settings", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 200
    assert other.get(DASHBOARD).status_code == 302
    assert stolen.get(DASHBOARD).status_code == 302
    live = db.session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1


def test_password_reset_ends_every_session(app):
    from tests.support.web import mail_link, path_of

    make_user("ana@example.com")
    other = signed_in(app)
    stolen = copy_cookies(app, other, "session")
    client = app.test_client()
    post_form(client, "/en/account/forgot", {"email": "ana@example.com"})
    new = "a brand new passphrase"
    link = path_of(mail_link("ana@example.com"))
    assert post_form(client, link, {"password": new, "confirm": new}).status_code == 302
    assert other.get(DASHBOARD).status_code == 302
    assert stolen.get(DASHBOARD).status_code == 302


def test_settings_list_sessions_and_revoke_one(app):
    make_user("ana@example.com")
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    assert login(phone, "ana@example.com").status_code == 302
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = firefox
    assert login(client, "ana@example.com").status_code == 302
    page = client.get("/en/account/settings").get_data(as_text=True)
    assert "Firefox · Linux" in page and "Mobile Safari · iOS" in page
    assert page.count("(this device)") == 1
    phone_row = db.session.scalar(
        select(UserSession).where(UserSession.user_agent == "Mobile Safari · iOS")
    )
    path = f"/en/account/sessions/{phone_row.id}/revoke"
    response = post_form(client, path, {}, token_from="/en/account/settings")
    assert response.status_code == 302
    assert phone.get(DASHBOARD).status_code == 302
    assert client.get(DASHBOARD).status_code == 200
    assert "Mobile Safari" not in client.get("/en/account/settings").get_data(as_text=True)


def test_cannot_revoke_someone_elses_session(app):
    make_user("ana@example.com")
    make_user("bob@example.com")
    bob = signed_in(app, "bob@example.com")
    bob_row = db.session.scalar(select(UserSession))
    ana = signed_in(app)
    path = f"/en/account/sessions/{bob_row.id}/revoke"
    post_form(ana, path, {}, token_from="/en/account/settings")
    assert bob.get(DASHBOARD).status_code == 200
    without_token = ana.post(path, data={})
    assert without_token.status_code == 400


def test_revoking_this_device_signs_out(app):
    make_user("ana@example.com")
    client = signed_in(app)
    row = db.session.scalar(select(UserSession))
    path = f"/en/account/sessions/{row.id}/revoke"
    response = post_form(client, path, {}, token_from="/en/account/settings")
    assert "/en/account/login" in response.headers["Location"]
    assert client.get(DASHBOARD).status_code == 302


def test_forged_or_oversized_session_ids_are_anonymous(app):
    make_user("ana@example.com")
    client = signed_in(app)
    with client.session_transaction() as sess:
        sess["_user_id"] = "1:1"  # the old cookie format: user id and version
    assert client.get(DASHBOARD).status_code == 302
    with client.session_transaction() as sess:
        sess["_user_id"] = "x" * 10_000
    assert client.get(DASHBOARD).status_code == 302


def test_user_agent_summary_is_bounded():
    assert sessions.describe_user_agent(None) == ""
    assert sessions.describe_user_agent("curl/8.5.0") == "curl"
    assert len(sessions.describe_user_agent("Mozilla/5.0 " + "(" * 100_000)) <= 120


def test_purge_deletes_ended_sessions_only(app, clock):
    make_user("ana@example.com")
    ended = signed_in(app)
    sign_out(ended)
    signed_in(app)
    assert sessions.purge_ended_sessions() == 1
    assert len(db.session.scalars(select(UserSession)).all()) == 1
    clock.advance(minutes=121)
    assert sessions.purge_ended_sessions() == 1
