"""Malformed requests get a 400 page or a form error, never a 500, on every route of the map.

The POST probes iterate ``app.url_map``: a new route is probed without editing this file.
"""

from __future__ import annotations

import io

import pytest
from flask import url_for
from wtforms import Form
from wtforms.fields.core import UnboundField

from directory.db import db, utcnow
from directory.models import Lead
from directory.requests import upload_field_names
from directory.services import uploads
from tests.support.web import csrf_token, login_as
from tests.test_access_matrix import world  # noqa: F401 - the fixture: agencies, team, tokens

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

ROLES = ("anonymous", "admin")
PATH_VALUES = {"service": "seo", "country": "fr", "tier": "partner", "number": 1, "filename": "x"}


def _text_field_names() -> set[str]:
    """Every field name declared on any form of the app, file fields excepted."""
    names, pending = set(), [Form]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        names.update(n for n, v in vars(cls).items() if isinstance(v, UnboundField))
    return names - upload_field_names()


@pytest.fixture
def values(app, world, factory):  # noqa: F811
    """Path values that reach the views (existing agency, review, lead …); others get 1."""
    review = factory.review(world["a"])
    lead = Lead(
        agency_id=world["a"].id,
        name="Lead",
        email="lead@example.com",
        consent_version="1",
        consent_at=utcnow(),
    )
    db.session.add(lead)
    db.session.commit()
    return {
        **world["values"],
        **PATH_VALUES,
        "review_id": review.id,
        "lead_id": lead.id,
        "report_id": 1,
    }


def _client(app, world, role):  # noqa: F811
    if role == "anonymous":
        return app.test_client()
    return login_as(app, world["users"][role])


def _urls(app, method, values):
    with app.test_request_context():
        return [
            (rule, url_for(rule.endpoint, **{k: values.get(k, 1) for k in rule.arguments}))
            for rule in app.url_map.iter_rules()
            if method in rule.methods and rule.endpoint != "static"
        ]


def _multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def _probes(token: str) -> dict[str, dict]:
    """Request bodies of each malformed kind (keyword arguments of ``client.post``)."""
    fields = sorted(_text_field_names())
    with_token = [("csrf_token", None, token.encode())]
    multipart = "multipart/form-data; boundary=b0undary"
    return {
        "file in every text field": {
            "data": {"csrf_token": token, **{n: (io.BytesIO(b"x"), "x.txt") for n in fields}},
        },
        "text in every file field": {
            "data": {"csrf_token": token, **dict.fromkeys(upload_field_names(), "not a file")},
        },
        "boundary not in body": {
            "data": _multipart("other", [*with_token, ("email", None, b"a@b.c")]),
            "content_type": multipart,
        },
        "truncated multipart": {
            "data": _multipart("b0undary", [*with_token, ("email", None, b"a@b.c")])[:-30],
            "content_type": multipart,
        },
        "no boundary": {"data": b"--x\r\n", "content_type": "multipart/form-data"},
        "huge field": {"data": {"csrf_token": token, "email": "x" * 700_000, "name": "y"}},
        "huge file in a text field": {
            "data": _multipart("b0undary", [*with_token, ("message", "x.bin", b"x" * 700_000)]),
            "content_type": multipart,
        },
        "invalid utf-8": {
            "data": b"csrf_token="
            + token.encode()
            + b"&"
            + b"&".join(n.encode() + b"=%FF%FE%C3(" for n in fields),
            "content_type": "application/x-www-form-urlencoded",
        },
        "repeated fields": {
            "data": _multipart(
                "b0undary", with_token * 2 + [(n, None, v) for n in fields for v in (b"1", b"a")]
            ),
            "content_type": multipart,
        },
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_malformed_post_answers_500(app, world, values, role):  # noqa: F811
    client = _client(app, world, role)
    token = csrf_token(client, "/en/account/signup")
    failures = []
    for rule, url in _urls(app, "POST", values):
        for kind, probe in _probes(token).items():
            response = client.post(url, **probe)
            if response.status_code >= 500:
                failures.append((rule.endpoint, kind, response.status_code))
            if kind == "file in every text field" and response.status_code != 400:
                failures.append((rule.endpoint, kind, response.status_code, "expected 400"))
    assert not failures, failures


def test_file_in_a_text_field_is_a_400_page(app):
    """The reported probe: a file part as the e-mail of the sign-in form."""
    client = app.test_client()
    token = csrf_token(client, "/en/account/login")
    response = client.post(
        "/en/account/login",
        data={"csrf_token": token, "email": (io.BytesIO(b"host\n"), "hostname"), "password": "x"},
    )
    assert response.status_code == 400
    assert "Request refused" in response.get_data(as_text=True)


def test_upload_fields_are_known():
    assert {"logo", "proof"} <= upload_field_names()


def test_text_part_under_a_file_field_name_is_choose_a_file():
    """A view handed a string where a file was expected gets the form message, not a crash."""
    with pytest.raises(uploads.UploadRejected, match="Choose a file"):
        uploads.read_upload("not a file")


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_query_params_named_like_path_params(app, world, values, role):  # noqa: F811
    """``?service=x`` on /services/seo/FR and the like: every GET route with path values."""
    client = _client(app, world, role)
    failures = []
    for lang in ("en", "fr"):
        for rule, url in _urls(app, "GET", {**values, "lang": lang}):
            if not rule.arguments:
                continue
            query = "&".join(f"{name}=x" for name in sorted(rule.arguments))
            for target in (url, url.replace("/services/seo/fr", "/services/seo/FR")):
                response = client.get(f"{target}?{query}")
                if response.status_code >= 500:
                    failures.append((rule.endpoint, target, response.status_code))
    assert not failures, failures


def test_uppercase_country_redirect_keeps_the_query(client):
    response = client.get("/fr/services/seo/FR?service=x&country=y&sort=rating")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(
        "/fr/services/seo/fr?service=x&country=y&sort=rating"
    )
