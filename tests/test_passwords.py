"""Password policy: common, leaked and guessable passwords are refused offline (ASVS 2.1.7)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.db import db
from directory.models import User
from directory.passwords import password_problem
from tests.support.factories import PASSWORD, make_user
from tests.support.web import csrf_token, login, mail_link, path_of, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

WEAK = ["123456789012", "password1234", "azertyuiop12", "motdepasse2024", "qwertyuiop123"]


@pytest.mark.parametrize("password", WEAK)
def test_common_passwords_are_refused(password):
    assert password_problem(password) == "common"


@pytest.mark.parametrize(
    "password",
    [PASSWORD, "Kx8#mq2Lp9vW", "un chat gris dort sur le toit", "a brand new passphrase"],
)
def test_strong_passwords_pass(password):
    assert password_problem(password) is None


def test_name_or_address_inside_the_password_is_refused():
    personal = ("jean.dupont@example.com", "Jean Dupont")
    assert password_problem("jeandupont!!2024zz", personal) == "personal"
    assert password_problem("dupont123456", personal) == "personal"
    assert password_problem("Kx8#mq2Lp9vW", personal) is None


def test_patterns_are_refused():
    assert password_problem("aaaaaaaaaaaa") is not None
    assert password_problem("abcdefghijkl") is not None


def test_signup_refuses_a_common_password_in_both_languages(client):
    response = post_form(
        client, "/en/account/signup", {"email": "ana@example.com", "password": "123456789012"}
    )
    assert response.status_code == 422
    assert "lists of common or leaked passwords" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None
    fr = post_form(
        client, "/fr/account/signup", {"email": "ana@example.com", "password": "password1234"}
    )
    assert fr.status_code == 422
    assert "mots de passe courants ou divulgués" in fr.get_data(as_text=True)


def test_reset_and_change_refuse_weak_passwords(app, client):
    make_user("jean.dupont@example.com")
    post_form(client, "/en/account/forgot", {"email": "jean.dupont@example.com"})
    link = path_of(mail_link("jean.dupont@example.com"))
    weak = "jeandupont2024!"
    response = post_form(client, link, {"password": weak, "confirm": weak})
    assert response.status_code == 422
    assert "does not contain your name or email" in response.get_data(as_text=True)
    login(client, "jean.dupont@example.com")
    response = post_form(
        client,
        "/en/account/settings",
        {"current": PASSWORD, "password": "password1234", "confirm": "password1234"},
    )
    assert response.status_code == 422
    assert login(app.test_client(), "jean.dupont@example.com").status_code == 302  # unchanged


def test_meter_check_endpoint_gives_the_forms_verdict(client):
    token = csrf_token(client, "/en/account/signup")
    headers = {"X-CSRFToken": token}

    def check(payload):
        return client.post("/en/account/password-check", json=payload, headers=headers)

    weak = check({"password": "password1234"})
    assert weak.status_code == 200
    assert weak.json["ok"] is False and weak.json["problem"] == "common"
    assert weak.headers["Cache-Control"] == "no-store"
    assert check({"password": "short"}).json["problem"] == "short"
    assert check({"password": PASSWORD}).json == {"ok": True, "problem": None, "message": None}
    personal = check({"password": "jeandupont2024!", "email": "jean.dupont@example.com"})
    assert personal.json["problem"] == "personal"
    fr = client.post(
        "/fr/account/password-check", json={"password": "password1234"}, headers=headers
    )
    assert "mots de passe courants" in fr.json["message"]
    assert check({"password": 5}).status_code == 400
    assert check(["x"]).status_code == 400
    assert check({"password": "x" * 129}).status_code == 422
    # Without the CSRF token the request is refused like any other unsafe request.
    assert client.post("/en/account/password-check", json={"password": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["/en/account/signup", "/fr/account/signup"])
def test_meter_is_a_progressive_enhancement(client, path):
    html = client.get(path).get_data(as_text=True)
    meter = re.search(r'<div class="password-meter" hidden[^>]*>', html)
    assert meter, "the meter is hidden until the script runs"
    assert 'aria-live="polite"' in html
    assert re.search(r'<script src="/static/js/password-meter\.js[^"]*" defer>', html)
    assert "data-password-meter" in html
    assert "<script>" not in html  # the CSP forbids inline script
