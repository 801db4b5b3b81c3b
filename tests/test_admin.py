"""Certifications (submission, verification, reminders) and program administration."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from directory.db import db, today
from directory.mail import read_outbox
from directory.models import Agency, AuditEntry, Certification
from directory.services.certifications import send_expiry_reminders
from tests.support.factories import add_member, make_user
from tests.support.web import csrf_token, last_mail, login_as, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _team(app, factory, **fields):
    agency = factory.agency(slug="acme", listed=False, **fields)
    user = make_user("m@example.com")
    add_member(user, agency, "owner")
    return agency, login_as(app, user)


def _submit(client, cert_id="INB-1", proof=None, issued=None, expires=None):
    path = "/en/dashboard/agencies/acme/certifications"
    data = {
        "csrf_token": csrf_token(client, path),
        "certificate_id": cert_id,
        "issued_on": (issued or today() - dt.timedelta(days=10)).isoformat(),
        "expires_on": (expires or today() + dt.timedelta(days=365)).isoformat(),
    }
    if proof is not None:
        data["proof"] = (io.BytesIO(proof), "proof.pdf")
    return client.post(path, data=data, content_type="multipart/form-data")


def test_submit_verify_lists_the_agency(app, factory):
    agency, client = _team(app, factory)
    assert not agency.is_listed()
    assert _submit(client, proof=PDF).status_code == 302
    cert = db.session.scalars(
        select(Certification).where(Certification.certificate_id == "INB-1")
    ).one()
    assert cert.status == "pending" and cert.proof_file_id
    proof = client.get(f"/en/dashboard/agencies/acme/certifications/{cert.id}/proof")
    assert proof.status_code == 200 and proof.data == PDF
    assert proof.headers["Content-Disposition"].startswith("attachment")
    admin = login_as(app, make_user("admin@example.com", admin=True))
    queue = admin.get("/en/admin/certifications").get_data(as_text=True)
    assert "INB-1" in queue
    assert admin.get(f"/en/admin/certifications/{cert.id}/proof").data == PDF
    token = csrf_token(admin, "/en/admin/certifications")
    response = admin.post(f"/en/admin/certifications/{cert.id}/verify", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certification, cert.id).status == "verified"
    assert db.session.get(Agency, agency.id).is_listed()
    assert "was verified" in last_mail("m@example.com")["text"]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "certification.verified")
    )
    assert entry.actor_label == "admin@example.com"
    assert entry.before["status"] == "pending" and entry.after["status"] == "verified"


def test_reject_with_a_reason_shown_to_the_agency(app, factory):
    agency, client = _team(app, factory)
    _submit(client)
    cert = db.session.scalar(select(Certification).where(Certification.certificate_id == "INB-1"))
    admin = login_as(app, make_user("admin@example.com", admin=True))
    response = post_form(
        admin,
        f"/en/admin/certifications/{cert.id}/reject",
        {"reason": "The certificate number does not match our records."},
        token_from="/en/admin/certifications",
    )
    assert response.status_code == 302
    page = client.get("/en/dashboard/agencies/acme/certifications").get_data(as_text=True)
    assert "does not match our records" in page
    assert "does not match our records" in last_mail("m@example.com")["text"]
    assert not db.session.get(Agency, agency.id).is_listed()


def test_submission_validation(app, factory):
    _agency, client = _team(app, factory)
    bad_dates = _submit(client, issued=today(), expires=today() - dt.timedelta(days=1))
    assert bad_dates.status_code == 422
    assert "before the issue date" in bad_dates.get_data(as_text=True)
    bad_proof = _submit(client, cert_id="X", proof=b"<svg onload=alert(1)>")
    assert bad_proof.status_code == 422
    assert "not accepted" in bad_proof.get_data(as_text=True)
    assert _submit(client, cert_id="DUP").status_code == 302
    dup = _submit(client, cert_id="DUP")
    assert dup.status_code == 422 and "already submitted" in dup.get_data(as_text=True)


def test_verified_renewal_relists_without_further_step(app, factory):
    agency = factory.agency(slug="acme", certified_until=today() - dt.timedelta(days=1))
    assert not agency.is_listed()
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    _submit(client, cert_id="RENEW")
    cert = db.session.scalar(select(Certification).where(Certification.certificate_id == "RENEW"))
    admin = login_as(app, make_user("admin@example.com", admin=True))
    token = csrf_token(admin, "/en/admin/certifications")
    admin.post(f"/en/admin/certifications/{cert.id}/verify", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).is_listed()


def test_expiry_reminders_30_7_and_on_the_day_once_each(app, factory):
    expires = today() + dt.timedelta(days=40)
    agency = factory.agency(slug="acme", certified_until=expires)
    add_member(make_user("m@example.com"), agency)
    assert send_expiry_reminders(expires - dt.timedelta(days=31)) == 0
    assert send_expiry_reminders(expires - dt.timedelta(days=30)) == 1
    assert send_expiry_reminders(expires - dt.timedelta(days=29)) == 0
    assert send_expiry_reminders(expires - dt.timedelta(days=7)) == 1
    assert send_expiry_reminders(expires - dt.timedelta(days=3)) == 0
    assert send_expiry_reminders(expires) == 1
    assert send_expiry_reminders(expires) == 0
    subjects = [m["subject"] for m in read_outbox()]
    assert subjects == [
        "Your certification expires in 30 days",
        "Your certification expires in 7 days",
        "Your certification expires today",
    ]
    assert "/en/dashboard/agencies/acme/certifications" in read_outbox()[-1]["text"]


def test_reminders_skip_missed_days_and_renewed_agencies(app, factory):
    expires = today() + dt.timedelta(days=5)
    late = factory.agency(slug="late", certified_until=expires)
    add_member(make_user("late@example.com"), late)
    renewed = factory.agency(slug="renewed", certified_until=expires)
    renewed.certifications.append(
        Certification(
            certificate_id="NEW",
            issued_on=today(),
            expires_on=today() + dt.timedelta(days=700),
            status="verified",
        )
    )
    db.session.commit()
    add_member(make_user("renewed@example.com"), renewed)
    assert send_expiry_reminders(today()) == 1  # only the 7-day one, for "late"
    assert send_expiry_reminders(today()) == 0
    assert [m["to"] for m in read_outbox()] == ["late@example.com"]


def test_reminders_command(runner, factory):
    agency = factory.agency(slug="acme", certified_until=today() + dt.timedelta(days=7))
    add_member(make_user("m@example.com"), agency)
    result = runner.invoke(args=["send-certification-reminders"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output


def test_admin_sets_program_tier_and_accreditations(app, factory):
    agency = factory.agency(slug="acme", program="provider")
    admin = login_as(app, make_user("admin@example.com", admin=True))
    version = agency.version
    response = post_form(
        admin,
        "/en/admin/agencies/acme/program",
        {"program": "partner", "tier": "diamond", "accreditations": ["onboarding"]},
        token_from="/en/admin/agencies/acme",
    )
    assert response.status_code == 302
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert (agency.program, agency.tier, agency.accreditations) == (
        "partner",
        "diamond",
        ["onboarding"],
    )
    assert agency.version > version
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "admin.program_changed")
    )
    assert entry.before["tier"] is None and entry.after["tier"] == "diamond"
    bad = post_form(
        admin,
        "/en/admin/agencies/acme/program",
        {"program": "provider", "tier": "gold"},
        token_from="/en/admin/agencies/acme",
    )
    assert bad.status_code == 422 and "Only solutions partners have a tier." in bad.get_data(
        as_text=True
    )


def test_suspend_and_reinstate_with_reason(app, factory):
    agency = factory.agency(slug="acme")
    owner = make_user("m@example.com")
    add_member(owner, agency, "owner")
    admin = login_as(app, make_user("admin@example.com", admin=True))
    post_form(
        admin,
        "/en/admin/agencies/acme/suspend",
        {"reason": "Fake reviews"},
        token_from="/en/admin/agencies/acme",
    )
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert agency.status == "suspended" and not agency.is_listed()
    assert "Fake reviews" in login_as(app, owner).get("/en/dashboard/agencies/acme/").get_data(
        as_text=True
    )
    post_form(
        admin,
        "/en/admin/agencies/acme/reinstate",
        {"reason": "Resolved"},
        token_from="/en/admin/agencies/acme",
    )
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).is_listed()
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["admin.suspended", "admin.reinstated"]


def test_agency_list_filters_and_pagination(app, factory):
    factory.agency(slug="alpha", name="Alpha Digital", program="partner", tier="gold")
    factory.agency(slug="beta", name="Beta Works", offices=[{"country": "DE"}])
    factory.agency(slug="gamma", name="Gamma", status="suspended")
    for n in range(55):
        factory.agency(slug=f"bulk-{n}", name=f"Zeta {n:02d}")
    admin = login_as(app, make_user("admin@example.com", admin=True))
    page = lambda **q: admin.get("/en/admin/agencies", query_string=q).get_data(as_text=True)  # noqa: E731
    assert "Alpha Digital" in page(q="alpha") and "Beta Works" not in page(q="alpha")
    assert "Beta Works" in page(country="DE") and "Alpha Digital" not in page(country="DE")
    assert "Gamma" in page(status="suspended") and "Alpha Digital" not in page(status="suspended")
    assert "Alpha Digital" in page(program="partner", tier="gold")
    first = page()
    assert "Page 1 of 2" in first and "Zeta 54" not in first
    assert "Zeta 54" in page(page=2)
    assert "Alpha" not in page(q="%")  # LIKE wildcards are literal


def test_audit_log_page_filters(app, factory):
    factory.agency(slug="acme")
    admin_user = make_user("admin@example.com", admin=True)
    admin = login_as(app, admin_user)
    post_form(
        admin,
        "/en/admin/agencies/acme/suspend",
        {"reason": "Spam"},
        token_from="/en/admin/agencies/acme",
    )
    body = admin.get("/en/admin/audit", query_string={"action": "admin."}).get_data(as_text=True)
    assert "admin.suspended" in body and "Spam" in body
    body = admin.get("/en/admin/audit", query_string={"actor": "nobody"}).get_data(as_text=True)
    assert "admin.suspended" not in body
    body = admin.get("/en/admin/audit", query_string={"agency": "acme"}).get_data(as_text=True)
    assert "admin.suspended" in body


def test_tier_change_reaches_search_at_once(app, factory):
    from directory.search import get_backend
    from directory.search.base import SearchQuery

    agency = factory.agency(slug="acme", program="partner")
    admin = login_as(app, make_user("admin@example.com", admin=True))
    query = SearchQuery(filters={"tier": ("elite",)})
    assert agency.id not in [h.id for h in get_backend(app).search(query).hits]
    post_form(
        admin,
        "/en/admin/agencies/acme/program",
        {"program": "partner", "tier": "elite"},
        token_from="/en/admin/agencies/acme",
    )
    assert [h.id for h in get_backend(app).search(query).hits] == [agency.id]


def test_agencies_cannot_verify_their_own_certification(app, factory):
    agency, client = _team(app, factory)
    path = "/en/dashboard/agencies/acme/certifications"
    data = {
        "csrf_token": csrf_token(client, path),
        "certificate_id": "SELF",
        "issued_on": today().isoformat(),
        "expires_on": (today() + dt.timedelta(days=30)).isoformat(),
        "status": "verified",
        "verified_by_label": "import",
        "verified_at": "2026-01-01",
    }
    assert client.post(path, data=data).status_code == 302
    cert = db.session.scalar(select(Certification).where(Certification.certificate_id == "SELF"))
    assert cert.status == "pending" and cert.verified_by_label is None
    assert not db.session.get(Agency, agency.id).is_listed()
    # And the administration routes answer 404 to them.
    token = csrf_token(client, path)
    response = client.post(f"/en/admin/certifications/{cert.id}/verify", data={"csrf_token": token})
    assert response.status_code == 404
