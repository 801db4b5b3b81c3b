"""Leads: the contact form, notifications, the agency inbox, administration, privacy commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from directory.db import db, utcnow
from directory.mail import read_outbox
from directory.models import Lead, LeadPreference
from tests.support.factories import add_member, make_user
from tests.support.web import csrf_token, last_mail, login_as, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

XSS = '<script>alert("x")</script>'


def contact_data(**overrides) -> dict:
    data = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.com",
        "company": "Analytical Engines",
        "company_size": "mid-market",
        "country": "FR",
        "services": ["seo", "content-marketing"],
        "budget_band": "10k-25k",
        "timeline": "1-3-months",
        "message": "We need a new website.\nAnd SEO.",
        "consent": "y",
        "reference": "",
    }
    data.update(overrides)
    return data


def make_lead(agency, **fields) -> Lead:
    defaults = {
        "agency_id": agency.id,
        "source": "contact",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "company": "Navy",
        "services": ["seo"],
        "message": "Hello",
        "consent_version": "test",
        "consent_at": utcnow(),
    }
    defaults.update(fields)
    lead = Lead(**defaults)
    db.session.add(lead)
    db.session.commit()
    return lead


def contact_url(agency, lang="en") -> str:
    return f"/{lang}/agencies/{agency.slug}/contact"


# --- the contact form ------------------------------------------------------------------------


def test_contact_form_records_lead_and_notifies_members_and_prospect(app, client, factory):
    agency = factory.agency(name="Acme", email="office@acme.test")
    owner = add_member(make_user("owner@acme.test"), agency, "owner")
    manager = add_member(make_user("manager@acme.test"), agency, "manager")

    response = post_form(client, contact_url(agency), contact_data())

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/en/agencies/{agency.slug}/contact/sent")
    lead = db.session.scalar(select(Lead))
    assert lead.agency_id == agency.id
    assert lead.source == "contact" and lead.status == "new" and not lead.is_spam
    assert lead.email == "ada@example.com"
    assert lead.services == ["seo", "content-marketing"]
    assert lead.country == "FR" and lead.budget_band == "10k-25k"
    assert lead.consent_version and lead.consent_at is not None
    assert lead.message == "We need a new website.\nAnd SEO."
    for member in (owner, manager):
        mail = last_mail(member.email)
        assert "Ada Lovelace" in mail["subject"]
        assert f"/en/dashboard/{agency.slug}/leads/{lead.id}" in mail["text"]
        assert "ada@example.com" in mail["text"]
    # Members exist, so the agency's public address is not used; each member gets their own.
    assert not [m for m in read_outbox() if "office@acme.test" in m["to"]]
    assert all("," not in m["to"] for m in read_outbox())
    assert "Acme" in last_mail("ada@example.com")["text"]
    page = client.get(f"/en/agencies/{agency.slug}/contact/sent")
    assert page.status_code == 200


def test_contact_form_renders_in_both_languages(client, factory):
    agency = factory.agency()
    for lang in ("en", "fr"):
        response = client.get(contact_url(agency, lang))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'name="csrf_token"' in html and 'name="consent"' in html
        assert 'class="lead-hp"' in html and "style=" not in html


def test_agency_without_members_is_notified_at_its_address(client, factory):
    agency = factory.agency(email="hello@agency.test")
    assert post_form(client, contact_url(agency), contact_data()).status_code == 303
    assert "Ada Lovelace" in last_mail("hello@agency.test")["subject"]


def test_members_who_turned_lead_emails_off_are_not_emailed(client, factory):
    agency = factory.agency(email="hello@agency.test")
    quiet = add_member(make_user("quiet@agency.test"), agency, "owner")
    loud = add_member(make_user("loud@agency.test"), agency, "manager")
    db.session.add(LeadPreference(user_id=quiet.id, agency_id=agency.id, email_on_new=False))
    db.session.commit()

    post_form(client, contact_url(agency), contact_data())

    recipients = [m["to"] for m in read_outbox()]
    assert loud.email in recipients
    assert quiet.email not in recipients and "hello@agency.test" not in recipients


def test_unlisted_agency_accepts_no_lead(client, factory):
    listed = factory.agency()
    unlisted = factory.agency(listed=False)
    draft = factory.agency(status="draft")
    token = csrf_token(client, contact_url(listed))
    for agency in (unlisted, draft):
        assert client.get(contact_url(agency)).status_code == 404
        response = client.post(contact_url(agency), data={"csrf_token": token, **contact_data()})
        assert response.status_code == 404
    assert client.get("/en/agencies/nope/contact").status_code == 404
    assert db.session.scalar(select(Lead)) is None


def test_filled_honeypot_looks_like_success_but_stores_and_sends_nothing(client, factory):
    agency = factory.agency(email="hello@agency.test")
    response = post_form(client, contact_url(agency), contact_data(reference="http://spam.test"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/agencies/{agency.slug}/contact/sent")
    assert db.session.scalar(select(Lead)) is None
    assert read_outbox() == []


def test_post_without_csrf_token_is_refused(client, factory):
    agency = factory.agency()
    response = client.post(contact_url(agency), data=contact_data())
    assert response.status_code == 400
    assert db.session.scalar(select(Lead)) is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"services": ["not-a-service"]},
        {"services": []},
        {"country": "ZZ"},
        {"country": "fr"},
        {"company_size": "huge"},
        {"budget_band": "1m"},
        {"timeline": "never"},
        {"email": "not-an-email"},
        {"consent": ""},
        {"name": ""},
        {"name": "x" * 10_000},
        {"company": "y" * 10_000},
        {"message": "z" * 5_001},
        {"email": "a" * 10_000 + "@example.com"},
    ],
)
def test_bad_input_is_a_form_error_not_a_crash(client, factory, overrides):
    agency = factory.agency()
    response = post_form(client, contact_url(agency), contact_data(**overrides))
    assert response.status_code == 422
    assert 'class="field-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Lead)) is None


def test_message_of_exactly_5000_characters_is_accepted(client, factory):
    agency = factory.agency()
    response = post_form(client, contact_url(agency), contact_data(message="é" * 5_000))
    assert response.status_code == 303


def test_broken_unicode_and_control_characters_are_cleaned(client, factory):
    agency = factory.agency()
    token = csrf_token(client, contact_url(agency))
    body = (
        "csrf_token=" + token + "&name=Ada%00%0D%0AB%FF%FE&email=ada%40example.com"
        "&company=%ED%A0%80Co&company_size=small&country=FR&services=seo"
        "&budget_band=lt-5k&timeline=asap&message=Hi%00%C3%28there&consent=y"
    )
    response = client.post(
        contact_url(agency), data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 303
    lead = db.session.scalar(select(Lead))
    assert "\x00" not in lead.name + lead.message + lead.company
    assert "\r" not in lead.name and "\n" not in lead.name


def test_hostile_input_is_escaped_in_inbox_detail_and_emails(app, client, factory):
    agency = factory.agency()
    owner = add_member(make_user("owner@agency.example"), agency, "owner")
    data = contact_data(name=XSS, company=XSS, message=XSS + "\n" + XSS)
    assert post_form(client, contact_url(agency), data).status_code == 303
    lead = db.session.scalar(select(Lead))
    assert lead.name == XSS

    mail = last_mail(owner.email)
    assert "<script>" not in mail["html"]
    assert "&lt;script&gt;" in mail["html"]
    client = login_as(app, owner)
    for path in (
        f"/en/dashboard/{agency.slug}/leads",
        f"/en/dashboard/{agency.slug}/leads/{lead.id}",
    ):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;" in html


# --- the agency inbox ------------------------------------------------------------------------


def test_inbox_tabs_status_changes_and_monthly_counts(app, client, factory):
    agency = factory.agency()
    owner = add_member(make_user(), agency, "owner")
    lead = make_lead(agency, name="Grace Hopper")
    make_lead(agency, name="Old Lead", created_at=utcnow() - dt.timedelta(days=400))
    client = login_as(app, owner)

    inbox = client.get(f"/en/dashboard/{agency.slug}/leads")
    assert inbox.status_code == 200
    html = inbox.get_data(as_text=True)
    assert "Grace Hopper" in html and "<meter" in html
    assert inbox.headers["Cache-Control"] == "private, no-store"

    path = f"/en/dashboard/{agency.slug}/leads/{lead.id}/status"
    response = post_form(client, path, {"status": "replied"}, token_from=inbox.request.path)
    assert response.status_code == 303
    db.session.refresh(lead)
    assert lead.status == "replied" and lead.status_changed_at is not None
    new_tab = client.get(f"/en/dashboard/{agency.slug}/leads?status=new").get_data(as_text=True)
    assert "Grace Hopper" not in new_tab
    replied = client.get(f"/en/dashboard/{agency.slug}/leads?status=replied")
    assert "Grace Hopper" in replied.get_data(as_text=True)

    bad = post_form(client, path, {"status": "deleted"}, token_from=inbox.request.path)
    assert bad.status_code == 400


def test_monthly_counts_cover_twelve_months(app, factory):
    from directory.services.leads.inbox import monthly_counts

    agency = factory.agency()
    now = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
    make_lead(agency, created_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    make_lead(agency, created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    make_lead(agency, created_at=dt.datetime(2025, 4, 30, tzinfo=dt.UTC))
    make_lead(agency, created_at=dt.datetime(2025, 3, 31, tzinfo=dt.UTC))  # 13 months ago
    counts = monthly_counts(agency, now=now)
    assert len(counts) == 12
    assert counts[0] == (dt.date(2025, 4, 1), 1)
    assert counts[-1] == (dt.date(2026, 3, 1), 2)
    assert sum(n for _, n in counts) == 3


def test_csv_export_is_safe_against_formula_injection(app, client, factory):
    agency = factory.agency()
    owner = add_member(make_user(), agency, "owner")
    make_lead(
        agency,
        name='=HYPERLINK("http://evil.test")',
        company="+1 evil",
        message="-2+3",
        email="@sum@example.com",
    )
    make_lead(agency, name="\tTab", company="\rCR", message="plain")
    client = login_as(app, owner)

    response = client.get(f"/en/dashboard/{agency.slug}/leads/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil.test")'
    assert rows[0]["message"] == "'-2+3"
    assert rows[1]["company"] == "'\rCR"


def test_notification_preferences_are_saved_per_member(app, client, factory):
    agency = factory.agency()
    owner = add_member(make_user(), agency, "owner")
    client = login_as(app, owner)
    path = f"/en/dashboard/{agency.slug}/leads/preferences"
    page = client.get(path)
    assert page.status_code == 200 and "checked" in page.get_data(as_text=True)
    response = post_form(client, path, {})  # checkbox left unticked
    assert response.status_code == 303
    pref = db.session.get(LeadPreference, (owner.id, agency.id))
    assert pref.email_on_new is False
    post_form(client, path, {"email_on_new": "y"})
    db.session.refresh(pref)
    assert pref.email_on_new is True


# --- access control --------------------------------------------------------------------------


def _member_paths(agency, lead):
    base = f"/en/dashboard/{agency.slug}/leads"
    return [base, f"{base}/{lead.id}", f"{base}/export.csv", f"{base}/preferences"]


def test_other_agency_members_and_visitors_get_404(app, client, factory):
    agency = factory.agency()
    other = factory.agency()
    add_member(make_user(), agency, "owner")
    outsider = add_member(make_user(), other, "owner")
    lead = make_lead(agency)

    for path in _member_paths(agency, lead):
        assert client.get(path).status_code == 404, path  # not signed in
    client = login_as(app, outsider)
    for path in _member_paths(agency, lead):
        assert client.get(path).status_code == 404, path
    # Nor through their own agency's URLs.
    assert client.get(f"/en/dashboard/{other.slug}/leads/{lead.id}").status_code == 404
    token = csrf_token(client, f"/en/dashboard/{other.slug}/leads/preferences")
    for slug in (agency.slug, other.slug):
        response = client.post(
            f"/en/dashboard/{slug}/leads/{lead.id}/status",
            data={"csrf_token": token, "status": "archived"},
        )
        assert response.status_code == 404
    db.session.refresh(lead)
    assert lead.status == "new"
    export = client.get(f"/en/dashboard/{other.slug}/leads/export.csv")
    assert lead.email not in export.get_data(as_text=True)


def test_administrators_see_every_agency_inbox(app, client, factory):
    agency = factory.agency()
    lead = make_lead(agency)
    client = login_as(app, make_user(admin=True))
    for path in _member_paths(agency, lead):
        assert client.get(path).status_code == 200, path


# --- administration --------------------------------------------------------------------------


def test_admin_volume_table_and_spam_flag_hides_the_lead(app, client, factory):
    busy = factory.agency(name="Busy")
    quiet = factory.agency(name="Quiet")
    owner = add_member(make_user(), busy, "owner")
    spam = make_lead(busy, name="Spammer")
    make_lead(busy)
    make_lead(busy, created_at=utcnow() - dt.timedelta(days=90))
    make_lead(quiet)
    admin = make_user(admin=True)

    client = login_as(app, owner)
    assert client.get("/en/admin/leads").status_code == 404
    assert client.get(f"/en/admin/leads/{spam.id}").status_code == 404

    client = login_as(app, admin)
    page = client.get("/en/admin/leads?sort=total")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Busy") < html.index("Quiet")
    by_name = client.get("/en/admin/leads?sort=name&dir=desc").get_data(as_text=True)
    assert by_name.index("Quiet") < by_name.index("Busy")
    assert client.get("/en/admin/leads/recent").status_code == 200
    assert client.get(f"/en/admin/leads/recent?agency={busy.slug}").status_code == 200

    response = post_form(
        client,
        f"/en/admin/leads/{spam.id}/spam",
        {"spam": "1"},
        token_from="/en/admin/leads/recent",
    )
    assert response.status_code == 303
    db.session.refresh(spam)
    assert spam.is_spam and spam.flagged_by_id == admin.id

    client = login_as(app, owner)
    inbox = client.get(f"/en/dashboard/{busy.slug}/leads").get_data(as_text=True)
    assert "Spammer" not in inbox
    assert client.get(f"/en/dashboard/{busy.slug}/leads/{spam.id}").status_code == 404
    export = client.get(f"/en/dashboard/{busy.slug}/leads/export.csv").get_data(as_text=True)
    assert "Spammer" not in export


# --- privacy commands ------------------------------------------------------------------------


def test_purge_leads_respects_retention_and_dry_run(app, runner, factory):
    app.config["LEAD_RETENTION_MONTHS"] = 24
    agency = factory.agency()
    make_lead(agency, created_at=utcnow() - dt.timedelta(days=365 * 2 + 30))
    recent = make_lead(agency, created_at=utcnow() - dt.timedelta(days=365))

    result = runner.invoke(args=["purge-leads", "--dry-run"])
    assert result.exit_code == 0 and "Would delete 1 lead" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(Lead)) == 2

    result = runner.invoke(args=["purge-leads"])
    assert result.exit_code == 0 and "Deleted 1 lead" in result.output
    assert [lead.id for lead in db.session.scalars(select(Lead))] == [recent.id]


def test_prospect_export_and_delete(app, runner, factory):
    agency = factory.agency()
    other = factory.agency()
    make_lead(agency, email="ada@example.com", name="Ada")
    make_lead(other, email="ada@example.com", name="Ada")
    make_lead(agency, email="someone@example.com")
    factory.review(agency, author_email="ada@example.com", rating=1)
    factory.review(agency, author_email="bob@example.com", rating=5)

    result = runner.invoke(args=["prospect-export", "ADA@example.com"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["email"] == "ada@example.com"
    assert len(data["leads"]) == 2 and len(data["reviews"]) == 1
    assert {lead["agency"] for lead in data["leads"]} == {agency.slug, other.slug}

    result = runner.invoke(args=["prospect-delete", "ada@example.com"])
    assert result.exit_code == 0
    assert "2 lead(s), 1 review(s) deleted" in result.output
    emails = [lead.email for lead in db.session.scalars(select(Lead))]
    assert emails == ["someone@example.com"]
    db.session.refresh(agency)
    assert agency.review_count == 1 and agency.rating_avg == 5


def test_profile_page_links_to_the_contact_form_and_opens_no_session(client, factory):
    agency = factory.agency()
    response = client.get(f"/en/agencies/{agency.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/en/agencies/{agency.slug}/contact"' in html
    assert 'name="csrf_token"' not in html
    assert "Set-Cookie" not in response.headers
    form = client.get(f"/en/agencies/{agency.slug}/contact").get_data(as_text=True)
    assert 'name="csrf_token"' in form and 'class="lead-hp"' in form


def test_dashboard_and_admin_navigation_link_to_the_leads(app, client, factory):
    agency = factory.agency()
    owner = add_member(make_user(), agency, "owner")
    client = login_as(app, owner)
    page = client.get(f"/en/dashboard/agencies/{agency.slug}/")
    assert page.status_code == 200
    assert f'href="/en/dashboard/{agency.slug}/leads"' in page.get_data(as_text=True)
    client = login_as(app, make_user(admin=True))
    admin = client.get("/en/admin/")
    assert admin.status_code == 200
    assert 'href="/en/admin/leads"' in admin.get_data(as_text=True)
