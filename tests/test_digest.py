"""The monthly digest: who gets it, what it says (EN/FR), once a month, and unsubscribing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from directory.db import db, today, utcnow
from directory.jobs import run_daily
from directory.mail import read_outbox
from directory.models import Lead, User
from directory.models.stats import AgencyDailyStat
from directory.services.insights import digest
from tests.support.factories import add_member, make_user
from tests.support.web import last_mail, login_as, mail_link, path_of, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

MONTH = digest.previous_month()
IN_MONTH = digest.month_start(MONTH) + dt.timedelta(days=9)


def _lead(agency, source: str = "contact") -> None:
    when = dt.datetime.combine(IN_MONTH, dt.time(12), tzinfo=dt.UTC)
    db.session.add(
        Lead(
            agency_id=agency.id,
            source=source,
            name="Grace Hopper",
            email="grace@example.com",
            message="Hello",
            consent_version="test",
            consent_at=utcnow(),
            created_at=when,
        )
    )
    db.session.commit()


@pytest.fixture
def owner(factory):
    """The owner of a listed agency with last month's views, a lead, a match and a review."""
    agency = factory.agency(
        name="Acme Growth",
        languages=[],
        description="x" * 300,
        logo={"128": "acme.png"},
        review_count=5,
        rating_avg=4.4,
    )
    db.session.add(AgencyDailyStat(agency_id=agency.id, day=IN_MONTH, metric="views", count=1234))
    _lead(agency)
    _lead(agency, "match")
    factory.review(agency, rating=4, submitted_on=IN_MONTH)
    return add_member(make_user("owner@acme.example"), agency, "owner")


def _mails(to: str) -> list[dict]:
    return [m for m in read_outbox() if to in m["to"]]


def test_digest_in_english_with_last_months_figures(app, owner):
    report = digest.send_digests(MONTH)
    assert report.sent == 1
    mail = last_mail("owner@acme.example")
    month = digest.month_start(MONTH).strftime("%B %Y")
    assert mail["subject"] == f"Your month on the directory: {month}"
    assert f"Here is how your agency did on the directory in {month}." in mail["text"]
    text = mail["text"]
    assert "Acme Growth" in text
    assert "Profile views: 1,234" in text
    assert "Contact requests: 1" in text and "Match proposals: 1" in text
    assert "Reviews published: 1" in text
    assert "Profile strength: " in text
    assert "Overall: 4.4 out of 5 from 5 reviews" in text
    assert "Next step: Add the languages you work in" in text
    assert f"/en/dashboard/agencies/{owner.memberships[0].agency.slug}/edit#languages" in text
    assert "Acme Growth" in mail["html"] and "<table" in mail["html"]
    assert mail["list_unsubscribe"].startswith("<http") and "/digest/unsubscribe/" in text


def test_digest_in_french_for_a_user_who_prefers_french(app, owner):
    owner.locale = "fr"
    db.session.commit()
    digest.send_digests(MONTH)
    mail = last_mail("owner@acme.example")
    assert mail["subject"].startswith("Votre mois dans l’annuaire : ")
    assert "Vues du profil : 1\u202f234" in mail["text"]
    assert "Prochaine étape : Ajoutez les langues dans lesquelles vous travaillez" in mail["text"]
    assert "/fr/digest/unsubscribe/" in mail["text"]
    assert 'lang="fr"' in mail["html"]


def test_only_owners_and_managers_of_listed_agencies_who_did_not_opt_out(app, factory, owner):
    listed = factory.agency()
    add_member(make_user("manager@example.com"), listed, "manager")
    add_member(make_user("quiet@example.com", monthly_digest=False), listed, "manager")
    add_member(make_user("unverified@example.com", verified=False), listed, "manager")
    add_member(make_user("unlisted@example.com"), factory.agency(listed=False), "owner")
    make_user("nobody@example.com")
    digest.send_digests(MONTH)
    assert sorted(m["to"] for m in read_outbox()) == ["manager@example.com", "owner@acme.example"]


def test_one_message_per_person_with_each_listed_agency(app, factory, owner):
    second = factory.agency(name="Beta Studio")
    add_member(owner, second, "manager")
    digest.send_digests(MONTH)
    mails = _mails("owner@acme.example")
    assert len(mails) == 1
    assert "Acme Growth" in mails[0]["text"] and "Beta Studio" in mails[0]["text"]
    assert "how your agencies did" in mails[0]["text"]


def test_rerunning_the_same_month_sends_nothing_twice(app, runner, owner):
    first = runner.invoke(args=["send-digests", "--month", MONTH])
    assert first.exit_code == 0 and "Sent 1 digest(s)" in first.output
    again = runner.invoke(args=["send-digests", "--month", MONTH])
    assert "Sent 0 digest(s)" in again.output
    assert len(_mails("owner@acme.example")) == 1
    assert db.session.get(User, owner.id).digest_sent_month == MONTH


def test_dry_run_lists_addresses_and_sends_nothing(app, runner, owner):
    result = runner.invoke(args=["send-digests", "--dry-run"])
    assert result.exit_code == 0
    assert "owner@acme.example" in result.output and "Would send 1" in result.output
    assert read_outbox() == []
    assert db.session.get(User, owner.id).digest_sent_month is None


@pytest.mark.parametrize("month", ["2026-13", "november", "2026-1"])
def test_a_malformed_month_is_refused(app, runner, month):
    result = runner.invoke(args=["send-digests", "--month", month])
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def test_daily_jobs_send_at_the_start_of_the_month_only(app, owner):
    first = today().replace(day=1)
    assert digest.send_digests_if_due(first + dt.timedelta(days=20)) is None
    assert read_outbox() == []
    assert run_daily(first)["digests_sent"] == 1
    assert run_daily(first + dt.timedelta(days=1))["digests_sent"] == 0


def test_a_failed_send_is_retried_next_run(app, owner, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(digest, "send_mail", broken)
    assert digest.send_digests(MONTH).failed == 1
    assert db.session.get(User, owner.id).digest_sent_month is None
    monkeypatch.undo()
    assert digest.send_digests(MONTH).sent == 1


def test_unsubscribe_link_confirms_then_unsubscribes_without_signing_in(app, client, owner):
    digest.send_digests(MONTH)
    path = path_of(mail_link("owner@acme.example", "/digest/unsubscribe/"))
    page = client.get(path)
    assert page.status_code == 200
    assert "owner@acme.example" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in page.headers
    assert db.session.get(User, owner.id).monthly_digest is True  # GET changes nothing
    done = client.post(path)
    assert done.status_code == 200 and "unsubscribed" in done.get_data(as_text=True)
    assert db.session.scalar(select(User.monthly_digest).where(User.id == owner.id)) is False


def test_one_click_unsubscribe_post_rfc_8058(app, client, owner):
    with app.test_request_context():
        path = path_of(digest.unsubscribe_url(owner, "en"))
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.scalar(select(User.monthly_digest).where(User.id == owner.id)) is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_or_foreign_token_is_404(app, client, owner, method):
    token = digest.unsubscribe_token(owner)
    for bad in (token[:-2] + "xx", "nonsense", "WzEsMl0.abc", token + "a"):
        response = getattr(client, method)(f"/en/digest/unsubscribe/{bad}")
        assert response.status_code == 404
    owner.email = "new-address@acme.example"  # a link mailed to the old address stops working
    db.session.commit()
    assert getattr(client, method)(f"/en/digest/unsubscribe/{token}").status_code == 404
    assert db.session.get(User, owner.id).monthly_digest is True


def test_preferences_page_turns_the_digest_off_and_sets_the_language(app, owner):
    client = login_as(app, owner)
    page = client.get("/fr/account/email-preferences").get_data(as_text=True)
    assert "Préférences d’e-mail" in page and "checked" in page
    assert 'aria-describedby="monthly_digest-hint"' in page
    assert '<option lang="fr" selected value="fr">Français</option>' in page
    response = post_form(client, "/en/account/email-preferences", {"locale": "fr"})
    assert response.status_code == 302
    user = db.session.get(User, owner.id)
    db.session.refresh(user)
    assert user.monthly_digest is False and user.locale == "fr"
    bad = post_form(client, "/en/account/email-preferences", {"locale": "de"})
    assert bad.status_code == 422


def test_preferences_need_signing_in(app, client):
    response = client.get("/en/account/email-preferences")
    assert response.status_code in (302, 401)
