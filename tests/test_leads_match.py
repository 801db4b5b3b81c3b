"""Get matched: criteria → proposals → brief sent to the chosen agencies, without JavaScript."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.db import db
from directory.mail import read_outbox
from directory.models import Lead
from tests.support.factories import add_member, make_user
from tests.support.web import csrf_token, last_mail

from .test_leads import XSS, contact_data

CRITERIA = {
    "services": ["seo", "branding"],
    "location": "FR",
    "languages": ["fr"],
    "industry": "healthcare",
    "budget_band": "25k-50k",
    "company_size": "mid-market",
    "timeline": "asap",
}
CONTACT = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines",
    "message": "A new site in French.",
    "consent": "y",
    "reference": "",
}


@pytest.fixture
def agencies(factory):
    right = factory.agency(name="Right Fit", services=["seo", "branding"], languages=["fr"],
                           industries=["healthcare"], min_budget_usd=20_000)  # fmt: skip
    other = factory.agency(name="Other Fit", services=["seo"], languages=["en"],
                           offices=[{"country": "DE", "city": "Berlin"}])  # fmt: skip
    hidden = factory.agency(name="Hidden", services=["seo", "branding"], listed=False)
    return right, other, hidden


def proposals_page(client, lang="en", criteria=CRITERIA):
    token = csrf_token(client, f"/{lang}/match")
    response = client.post(f"/{lang}/match", data={"csrf_token": token, **criteria})
    return token, response


def proposed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'name="agencies" value="(\d+)"', html)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_match_flow_sends_one_lead_per_chosen_agency(client, factory, agencies, lang):
    right, other, _hidden = agencies
    owner = add_member(make_user("owner@right.test"), right, "owner")
    token, response = proposals_page(client, lang)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert proposed_ids(html) == [right.id, other.id]
    assert "Hidden" not in html
    # The criteria travel in hidden fields to the next step.
    assert '<input type="hidden" name="services" value="branding">' in html
    assert '<input type="hidden" name="location" value="FR">' in html
    # Nothing is ticked: the prospect chooses.
    assert "checked" not in re.sub(r'name="(services|languages|consent)"[^>]*', "", html)
    if lang == "en":
        assert "Offers Search engine optimization, Branding" in html
        assert "Office in Paris, France" in html
        assert "Fits a budget of" in html

    data = {"csrf_token": token, **CRITERIA, **CONTACT, "agencies": [right.id, other.id]}
    sent = client.post(f"/{lang}/match/send", data=data)
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/{lang}/match/sent")
    leads = list(db.session.scalars(select(Lead).order_by(Lead.agency_id)))
    assert [lead.agency_id for lead in leads] == [right.id, other.id]
    assert all(lead.source == "match" and lead.locale == lang for lead in leads)
    assert len({lead.batch for lead in leads}) == 1
    first = leads[0]
    assert first.services == ["seo", "branding"] and first.country == "FR"
    assert first.criteria["languages"] == ["fr"] and first.criteria["industry"] == "healthcare"
    assert {"code": "services", "covered": 2, "total": 2, "services": ["seo", "branding"]} in (
        first.match_reasons
    )
    assert f"/{lang}/dashboard/{right.slug}/leads/{first.id}" in last_mail(owner.email)["text"]
    confirmation = last_mail("ada@example.com")
    assert "Right Fit" in confirmation["text"] and "Other Fit" in confirmation["text"]
    assert client.get(f"/{lang}/match/sent").status_code == 200


def test_match_pages_render_in_both_languages(client):
    for lang in ("en", "fr"):
        response = client.get(f"/{lang}/match")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'name="services"' in html and 'name="location"' in html
        assert 'name="csrf_token"' in html
    prefilled = client.get("/en/match?services=seo&services=bogus").get_data(as_text=True)
    assert 'value="seo" checked' in prefilled


def test_only_proposed_listed_agencies_can_receive_the_brief(client, factory, agencies):
    right, _other, hidden = agencies
    outsider = factory.agency(services=["training"])
    token, _ = proposals_page(client)
    for chosen in ([hidden.id], [outsider.id], [right.id, hidden.id], [999_999], ["x"], []):
        data = {"csrf_token": token, **CRITERIA, **CONTACT, "agencies": chosen}
        response = client.post("/en/match/send", data=data)
        assert response.status_code == 422, chosen
    assert db.session.scalar(select(Lead)) is None
    assert read_outbox() == []


def test_tampered_criteria_are_validated_again(client, agencies):
    right, _, _ = agencies
    token, _ = proposals_page(client)
    for bad in ({"services": ["nope"]}, {"location": "region:XX"}, {"languages": ["zz"]},
                {"services": []}, {"industry": XSS}):  # fmt: skip
        data = {"csrf_token": token, **CRITERIA, **bad, **CONTACT, "agencies": [right.id]}
        response = client.post("/en/match/send", data=data)
        assert response.status_code == 422, bad
        assert "<script>" not in response.get_data(as_text=True)
    assert db.session.scalar(select(Lead)) is None


def test_match_honeypot_and_csrf(client, agencies):
    right, _, _ = agencies
    token, _ = proposals_page(client)
    data = {**CRITERIA, **CONTACT, "agencies": [right.id]}
    assert client.post("/en/match/send", data=data).status_code == 400
    assert client.post("/en/match", data=CRITERIA).status_code == 400
    trap = client.post("/en/match/send", data={"csrf_token": token, **data, "reference": "x"})
    assert trap.status_code == 303 and trap.headers["Location"].endswith("/en/match/sent")
    assert db.session.scalar(select(Lead)) is None and read_outbox() == []


def test_region_criteria_and_no_match(client, agencies):
    right, other, _ = agencies
    _, response = proposals_page(client, criteria={"services": ["seo"], "location": "region:EU"})
    assert response.status_code == 200
    assert set(proposed_ids(response.get_data(as_text=True))) == {right.id, other.id}
    _, none = proposals_page(client, criteria={"services": ["video-production"]})
    assert none.status_code == 200 and proposed_ids(none.get_data(as_text=True)) == []


def test_change_my_answers_goes_back_to_the_criteria(client, agencies):
    token, _ = proposals_page(client)
    response = client.post("/en/match", data={"csrf_token": token, **CRITERIA, "edit": "1"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="branding" checked' in html and proposed_ids(html) == []


# --- Reply-To on lead notifications -----------------------------------------------------------


def test_agency_notification_replies_to_the_prospect(client, agencies):
    right, _, _ = agencies
    owner = add_member(make_user("owner@right.test"), right, "owner")
    token, _ = proposals_page(client)
    data = {"csrf_token": token, **CRITERIA, **CONTACT, "agencies": [right.id]}
    assert client.post("/en/match/send", data=data).status_code == 303
    assert last_mail(owner.email)["reply_to"] == "Ada Lovelace <ada@example.com>"
    # The prospect's own confirmation answers to the directory.
    assert last_mail("ada@example.com")["reply_to"] is None


def test_reply_to_survives_hostile_names(client, factory):
    agency = factory.agency(name="Acme", email="hello@acme.test")
    token = csrf_token(client, f"/en/agencies/{agency.slug}/contact")
    hostile = 'Eve "Boss", Jr\r\nBcc: victim@example.com'
    data = contact_data(name=hostile, email="eve@example.com")
    response = client.post(
        f"/en/agencies/{agency.slug}/contact", data={"csrf_token": token, **data}
    )
    assert response.status_code == 303
    mail = last_mail("hello@acme.test")
    # Quotes are escaped inside one quoted display name; the line break became a space.
    assert mail["reply_to"] == '"Eve \\"Boss\\", Jr Bcc: victim@example.com" <eve@example.com>'
    assert not any("victim" in m["to"] for m in read_outbox())


def test_reply_to_header_is_encoded_and_single_line(app):
    from email import message_from_bytes
    from email.policy import default

    from directory.mail import build_message
    from directory.services.leads.intake import reply_to_prospect

    value = reply_to_prospect('Zoé "Z"\nBcc: x@evil.test', "zoe@example.com")
    raw = build_message("agency@example.com", "New", "Hi", reply_to=value).as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    # No header line of its own: the name's line break cannot start a "Bcc:" header.
    assert not any(line.lower().startswith(b"bcc") for line in headers.splitlines())
    parsed = message_from_bytes(raw, policy=default)
    (address,) = parsed["Reply-To"].addresses
    assert address.addr_spec == "zoe@example.com"
    assert address.display_name == 'Zoé "Z" Bcc: x@evil.test'
    assert parsed["Bcc"] is None
    assert reply_to_prospect("Ada", "not an address\r\nBcc: x@evil.test") is None
    assert reply_to_prospect("Ada", "") is None


# --- choosing among the proposals -------------------------------------------------------------


def test_proposals_show_logo_place_rating_and_why(client, factory, agencies):
    right, other, _ = agencies
    factory.review(right, rating=4)
    factory.review(right, rating=5)
    from directory.services.reviews.ratings import refresh_rating

    refresh_rating(right)
    db.session.commit()
    _, response = proposals_page(client)
    html = response.get_data(as_text=True)
    first = html[html.index(f'value="{right.id}"') : html.index(f'value="{other.id}"')]
    assert "agency-logo" in first
    assert "Paris, France" in first
    assert "4.5 out of 5" in first and "2 reviews" in first
    assert "Why we suggest it" in first
    assert "Offers Search engine optimization, Branding" in first
    second = html[html.index(f'value="{other.id}"') :]
    assert "Berlin, Germany" in second and "No reviews yet" in second
    assert "Offers Search engine optimization (1 of the 2 services asked for)" in second
    assert "Choose up to 3 agencies" in html


def _many(factory, n):
    return [factory.agency(name=f"Seo {i}", services=["seo"]) for i in range(n)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_at_most_three_agencies_receive_a_brief(client, factory, lang, french_catalog):
    chosen = [agency.id for agency in _many(factory, 5)]
    token, response = proposals_page(client, lang, {"services": ["seo"]})
    assert len(proposed_ids(response.get_data(as_text=True))) == 5
    data = {"csrf_token": token, "services": ["seo"], **CONTACT, "agencies": chosen[:4]}
    refused = client.post(f"/{lang}/match/send", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    message = "Choose at most 3 agencies." if lang == "en" else "Choisissez au plus 3 agences."
    assert f'<ul class="field-errors" id="agencies-errors"><li>{message}</li></ul>' in html
    # What was ticked stays ticked, so the prospect unticks one rather than starting over.
    assert len(re.findall(r'name="agencies" value="\d+" checked', html)) == 4
    assert db.session.scalar(select(Lead)) is None and read_outbox() == []
    data["agencies"] = chosen[:3]
    assert client.post(f"/{lang}/match/send", data=data).status_code == 303
    assert sorted(db.session.scalars(select(Lead.agency_id))) == sorted(chosen[:3])


def test_choosing_none_is_a_field_message(client, agencies):
    token, _ = proposals_page(client)
    data = {"csrf_token": token, **CRITERIA, **CONTACT}
    response = client.post("/en/match/send", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = '<ul class="field-errors" id="agencies-errors"><li>Choose at least one agency.</li>'
    assert errors in html
    assert 'aria-describedby="agencies-hint agencies-errors"' in html
    assert db.session.scalar(select(Lead)) is None
