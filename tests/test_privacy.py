"""Privacy self-service: the policy, a prospect's export and erasure by email link, and an
account holder's export and deletion (issue 14)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from directory.db import db, utcnow
from directory.models import Lead, Membership, Review, User
from directory.services.leads import privacy as lead_privacy
from tests.support.factories import PASSWORD, add_member, count_rows, make_user
from tests.support.web import last_mail, login, mail_link, path_of, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def make_lead(agency, email: str) -> Lead:
    lead = Lead(
        agency_id=agency.id,
        source="contact",
        name="Ada Lovelace",
        email=email,
        company="Engines",
        services=["seo"],
        message="Hello",
        consent_version="test",
        consent_at=utcnow(),
    )
    db.session.add(lead)
    db.session.commit()
    return lead


# The policy.


@pytest.mark.usefixtures("french_catalog")
def test_policy_page_in_both_languages_states_retention_and_is_linked_from_the_footer(app, client):
    app.config["LEAD_RETENTION_MONTHS"] = 18
    app.config["PRIVACY_CONTACT_EMAIL"] = "dpo@example.com"
    english = client.get("/en/privacy").get_data(as_text=True)
    assert "Contact requests are deleted automatically 18 months after" in english
    assert "dpo@example.com" in english
    assert 'href="/en/privacy/request"' in english
    french = client.get("/fr/privacy")
    assert french.status_code == 200
    text = french.get_data(as_text=True)
    assert "18 mois" in text and "Politique de confidentialité" in text
    home = client.get("/en/").get_data(as_text=True)
    assert 'href="/en/privacy"' in home


# A prospect's request, confirmed by a link mailed to the address.


def request_link(client, email: str, kind: str) -> str:
    response = post_form(client, "/en/privacy/request", {"email": email, "kind": kind})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Check your inbox" in response.get_data(as_text=True)
    return path_of(mail_link(email.lower(), "/privacy/confirm/"))


def test_prospect_export_by_email_link(client, factory):
    agency = factory.agency()
    make_lead(agency, "ada@example.com")
    make_lead(agency, "someone@example.com")
    factory.review(agency, author_email="ada@example.com", rating=4)
    link = request_link(client, "Ada@Example.com", "export")
    page = client.get(link)
    assert page.status_code == 200 and "Download my data" in page.get_data(as_text=True)
    assert count_rows(Lead) == 2  # GET never acts: mail scanners follow links
    response = post_form(client, link, {})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["email"] == "ada@example.com"
    assert [lead["email"] for lead in data["leads"]] == ["ada@example.com"]
    assert len(data["reviews"]) == 1


def test_prospect_erasure_by_email_link_uses_the_cli_code(client, factory, monkeypatch):
    agency = factory.agency()
    make_lead(agency, "ada@example.com")
    make_lead(agency, "someone@example.com")
    factory.review(agency, author_email="ada@example.com", rating=1)
    factory.review(agency, author_email="bob@example.com", rating=5)
    calls = []
    real = lead_privacy.erase_prospect
    monkeypatch.setattr(lead_privacy, "erase_prospect", lambda e: calls.append(e) or real(e))
    link = request_link(client, "ada@example.com", "erase")
    response = post_form(client, link, {})
    assert response.status_code == 200
    assert "1 lead erased." in response.get_data(as_text=True)
    assert calls == ["ada@example.com"]
    assert [lead.email for lead in db.session.scalars(select(Lead))] == ["someone@example.com"]
    assert [r.author_email for r in db.session.scalars(select(Review))] == ["bob@example.com"]
    db.session.refresh(agency)
    assert agency.review_count == 1 and agency.rating_avg == 5


def test_unknown_address_gets_the_same_answer_and_a_link(client):
    response = post_form(
        client, "/en/privacy/request", {"email": "nobody@example.com", "kind": "erase"}
    )
    assert response.status_code == 200
    assert "nobody@example.com" in last_mail("nobody@example.com")["to"]


def test_bad_requests_re_render_with_field_messages(client):
    response = post_form(client, "/en/privacy/request", {"email": "nope", "kind": "steal"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a valid email address." in html
    assert 'aria-invalid="true"' in html


def test_forged_tampered_and_expired_links_are_refused(client, monkeypatch):
    assert client.get("/en/privacy/confirm/not-a-token").status_code == 400
    token = lead_privacy.request_token("ada@example.com", "erase")
    assert client.get(f"/en/privacy/confirm/{token[:-2]}xx").status_code == 400
    monkeypatch.setattr(lead_privacy, "REQUEST_MAX_AGE", -1)
    assert client.get(f"/en/privacy/confirm/{token}").status_code == 400
    # A POST without the page's CSRF token does nothing.
    monkeypatch.setattr(lead_privacy, "REQUEST_MAX_AGE", 3600)
    assert client.post(f"/en/privacy/confirm/{token}").status_code == 400


def test_requests_are_rate_limited_per_address(limited_app):
    client = limited_app.test_client()
    statuses = [
        post_form(
            client, "/en/privacy/request", {"email": "ada@example.com", "kind": "export"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


# An agency team member's own data.


def test_account_export_is_a_json_download(app, client, factory):
    user = make_user("ana@example.com", name="Ana")
    agency = factory.agency()
    add_member(user, agency, "manager")
    assert client.get("/en/privacy/account/export").status_code == 302  # sign in first
    login(client, "ana@example.com")
    response = client.get("/en/privacy/account/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-account.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ana@example.com" and data["account"]["name"] == "Ana"
    assert data["memberships"] == [
        {"agency": agency.slug, "agency_name": agency.name, "role": "manager",
         "since": data["memberships"][0]["since"]}
    ]  # fmt: skip
    assert data["sessions"], "the session just opened is listed"
    settings = client.get("/en/account/settings").get_data(as_text=True)
    assert 'href="/en/privacy/account/export"' in settings
    assert 'href="/en/privacy/account/delete"' in settings


def test_account_deletion_needs_the_password_and_the_box(app, client, factory):
    user = make_user("ana@example.com")
    agency = factory.agency()
    add_member(user, agency, "manager")
    login(client, "ana@example.com")
    wrong = post_form(
        client, "/en/privacy/account/delete", {"password": "not my password", "confirm": "y"}
    )
    assert wrong.status_code == 422
    assert "This is not your password." in wrong.get_data(as_text=True)
    unticked = post_form(client, "/en/privacy/account/delete", {"password": PASSWORD})
    assert unticked.status_code == 422
    assert db.session.get(User, user.id) is not None
    done = post_form(client, "/en/privacy/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "ana@example.com")) is None
    assert count_rows(Membership) == 0
    assert db.session.get(type(agency), agency.id) is not None  # the agency stays
    assert client.get("/en/dashboard/").status_code == 302  # signed out
    assert login(app.test_client(), "ana@example.com").status_code == 401


def test_an_agency_owner_is_told_to_hand_over_first(app, client, factory):
    user = make_user("owner@example.com")
    agency = factory.agency(name="Lumière Conseil")
    add_member(user, agency, "owner")
    login(client, "owner@example.com")
    page = client.get("/en/privacy/account/delete")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lumière Conseil" in html and "make another team member its owner" in html
    assert 'name="password"' not in html
    response = post_form(
        client,
        "/en/privacy/account/delete",
        {"password": PASSWORD, "confirm": "y"},
        token_from="/en/account/settings",
    )
    assert response.status_code == 409
    assert db.session.get(User, user.id) is not None


def test_the_last_administrator_cannot_delete_their_account(app, client):
    make_user("admin@example.com", admin=True)
    login(client, "admin@example.com")
    response = post_form(
        client,
        "/en/privacy/account/delete",
        {"password": PASSWORD, "confirm": "y"},
        token_from="/en/account/settings",
    )
    assert response.status_code == 409
    assert "only program administrator" in response.get_data(as_text=True)


@pytest.mark.usefixtures("french_catalog")
def test_the_prospects_confirmation_mail_links_to_the_self_service_page(app, factory):
    from directory.services.leads.intake import notify_new_leads

    lead = make_lead(factory.agency(), "ada@example.com")
    with app.test_request_context("/fr/"):
        notify_new_leads([lead], locale="fr")
    mail = last_mail("ada@example.com")
    assert "/fr/privacy/request" in mail["text"] and "/fr/privacy/request" in mail["html"]
    assert "Pour en obtenir une copie" in mail["text"]
    assert "reply to this email" not in mail["text"]
