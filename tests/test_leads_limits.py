"""Rate limits of the lead forms, on an app where Flask-Limiter is on (the ``app`` fixture
turns it off)."""

from __future__ import annotations

from directory.models import Lead
from tests.support.factories import Factory, count_rows
from tests.support.web import csrf_token

from .test_leads import contact_data, contact_url


def _post(client, agency, token, **overrides):
    return client.post(contact_url(agency), data={"csrf_token": token, **contact_data(**overrides)})


def test_three_requests_per_day_per_email_and_agency(limited_app):
    factory = Factory()
    agency, other = factory.agency(), factory.agency()
    client = limited_app.test_client()
    token = csrf_token(client, contact_url(agency))

    for _ in range(3):
        assert _post(client, agency, token).status_code == 303
    assert _post(client, agency, token).status_code == 429
    # Case does not get around it; another agency or another email is a separate count.
    assert _post(client, agency, token, email="ADA@example.com").status_code == 429
    assert _post(client, other, token).status_code == 303
    assert _post(client, agency, token, email="bob@example.com").status_code == 303
    assert count_rows(Lead) == 5


def test_five_requests_per_hour_per_ip(limited_app):
    factory = Factory()
    agencies = [factory.agency() for _ in range(3)]
    client = limited_app.test_client()
    token = csrf_token(client, contact_url(agencies[0]))

    for n in range(5):
        response = _post(client, agencies[n % 3], token, email=f"p{n}@example.com")
        assert response.status_code == 303
    assert _post(client, agencies[0], token, email="p9@example.com").status_code == 429
    other_ip = client.post(
        contact_url(agencies[0]),
        data={"csrf_token": token, **contact_data(email="p9@example.com")},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert other_ip.status_code == 303
    assert count_rows(Lead) == 6


def test_form_errors_do_not_use_up_the_quota(limited_app):
    factory = Factory()
    agency = factory.agency()
    client = limited_app.test_client()
    token = csrf_token(client, contact_url(agency))
    for _ in range(6):
        assert _post(client, agency, token, services=["nope"]).status_code == 422
    assert _post(client, agency, token).status_code == 303


def test_match_briefs_are_limited_per_email(limited_app):
    from .test_leads_match import CONTACT, CRITERIA

    factory = Factory()
    agency = factory.agency(services=["seo", "branding"], languages=["fr"])
    client = limited_app.test_client()
    token = csrf_token(client, "/en/match")
    data = {"csrf_token": token, **CRITERIA, **CONTACT, "agencies": [agency.id]}
    for _ in range(3):
        assert client.post("/en/match/send", data=data).status_code == 303
    assert client.post("/en/match/send", data=data).status_code == 429
    # Looking at proposals is not limited like sending.
    for _ in range(6):
        assert client.post("/en/match", data={"csrf_token": token, **CRITERIA}).status_code == 200
    assert count_rows(Lead) == 3
