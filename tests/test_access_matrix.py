"""Route × role matrix over every route of the self-service blueprints, CSRF, and headers.

The matrix iterates ``app.url_map``: a new route in these blueprints fails the test until it is
given an access rule below, so nothing escapes the matrix.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import url_for
from PIL import Image
from sqlalchemy import select

from directory import create_app
from directory.db import db, utcnow
from directory.models import Agency, AgencyDraft, Certification, Invitation, Membership
from directory.services import uploads
from directory.services.profile import snapshot
from tests.support.factories import add_member, make_user
from tests.support.web import csrf_token, login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

BLUEPRINTS = ("account", "dashboard", "admin", "files", "privacy")

# Who may use each endpoint. "public": anyone (tokens in the URL decide); "login": signed in;
# "verified": signed in with a confirmed address; "member": owner or manager of the agency in
# the URL (or admin); "owner": owner of that agency (or admin); "admin": administrators.
ACCESS = {
    "account.signup": "public",
    "account.verify_email": "public",
    "account.login": "public",
    "account.logout": "public",
    "account.forgot_password": "public",
    "account.reset_password": "public",
    "account.resend_verification": "login",
    "account.logout_everywhere": "login",
    "account.settings": "login",
    "account.revoke_session": "login",
    "account.password_check": "public",
    "dashboard.index": "login",
    "dashboard.new_agency": "verified",
    "dashboard.claim_agency": "verified",
    "dashboard.invitation": "public",
    "dashboard.agency": "member",
    "dashboard.edit_profile": "member",
    "dashboard.preview": "member",
    "dashboard.publish": "member",
    "dashboard.keep_draft": "member",
    "dashboard.discard_draft": "member",
    "dashboard.logo": "member",
    "dashboard.remove_logo": "member",
    "dashboard.case_studies_page": "member",
    "dashboard.new_case_study": "member",
    "dashboard.edit_case_study": "member",
    "dashboard.move_case_study": "member",
    "dashboard.remove_case_study": "member",
    "dashboard.certifications_page": "member",
    "dashboard.certification_proof": "member",
    "dashboard.team": "member",
    "dashboard.invite": "owner",
    "dashboard.remove_member": "owner",
    "dashboard.revoke_invitation": "owner",
    # Reached by managers too, so an owner who just lost a transfer race gets a message; the
    # service only lets the current owner (or an admin) hand over (tests/test_accounts.py).
    "dashboard.transfer_ownership": "member",
    "dashboard.insights": "member",
    "dashboard.insights_export": "member",
    "admin.index": "admin",
    "admin.certification_queue": "admin",
    "admin.verify_certification": "admin",
    "admin.reject_certification": "admin",
    "admin.certification_proof": "admin",
    "admin.agency_list": "admin",
    "admin.agency_detail": "admin",
    "admin.set_program": "admin",
    "admin.suspend": "admin",
    "admin.reinstate": "admin",
    "admin.audit_log": "admin",
    "admin.search_analytics_page": "admin",
    "admin.search_analytics_csv": "admin",
    "admin.program_insights": "admin",
    "admin.program_insights_csv": "admin",
    "files.stored_file": "public",
    "privacy.policy": "public",
    "privacy.request_data": "public",
    "privacy.confirm": "public",
    "privacy.account_export": "login",
    "privacy.account_delete": "login",
}
ROLES = ("anonymous", "unverified", "manager_a", "owner_a", "owner_b", "admin")
ALLOWED = {
    "public": set(ROLES),
    "login": {"unverified", "manager_a", "owner_a", "owner_b", "admin"},
    "verified": {"manager_a", "owner_a", "owner_b", "admin"},
    "member": {"manager_a", "owner_a", "admin"},
    "owner": {"owner_a", "admin"},
    "admin": {"admin"},
}
STUDY = {"key": "k1", "title": "A case study", "services": [], "figures": [], "image": None}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in BLUEPRINTS]


@pytest.fixture
def world(app, factory):
    """Agencies A and B, each with a team, a pending certification with proof, a draft, a logo."""
    a = factory.agency(slug="agency-a", name="Agency A")
    b = factory.agency(slug="agency-b", name="Agency B")
    with app.test_request_context():
        proof = uploads._store(PDF, "application/pdf", "proof")
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "PNG")
        logo = uploads._store(out.getvalue(), "image/png", "logo")
    db.session.flush()
    certs = {}
    for agency in (a, b):
        cert = Certification(
            agency_id=agency.id,
            certificate_id=f"P-{agency.slug}",
            issued_on=agency.certifications[0].issued_on,
            expires_on=agency.certifications[0].expires_on,
            status="pending",
            proof_file_id=proof.id,
        )
        db.session.add(cert)
        base = snapshot(agency)
        db.session.add(
            AgencyDraft(
                agency_id=agency.id,
                payload={**base, "name": f"SECRET DRAFT {agency.slug}", "case_studies": [STUDY]},
                base=base,
                base_version=agency.version,
            )
        )
        certs[agency.slug] = cert
    invitation = Invitation(
        agency_id=a.id,
        email="invitee@example.com",
        token_hash="0" * 64,
        expires_at=utcnow() + dt.timedelta(hours=72),
    )
    db.session.add(invitation)
    db.session.commit()
    users = {
        "unverified": make_user("unverified@example.com", verified=False),
        "manager_a": make_user("manager-a@example.com"),
        "owner_a": make_user("owner-a@example.com"),
        "owner_b": make_user("owner-b@example.com"),
        "admin": make_user("admin@example.com", admin=True),
    }
    add_member(users["manager_a"], a, "manager")
    add_member(users["owner_a"], a, "owner")
    add_member(users["owner_b"], b, "owner")
    values = {
        "lang": "en",
        "slug": "agency-a",
        "cert_id": certs["agency-a"].id,
        "invitation_id": invitation.id,
        "session_id": 1,
        "token": "not-a-valid-token",
        "name": uploads.file_name(logo),
        "key": "k1",
    }
    return {"a": a, "b": b, "users": users, "values": values}


def _client(app, world, role):
    if role == "anonymous":
        return app.test_client()
    return login_as(app, world["users"][role])


def _url(app, rule, values):
    with app.test_request_context():
        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in _rules(app)}
    assert endpoints == set(ACCESS), (
        f"unclassified: {endpoints - set(ACCESS)}; stale: {set(ACCESS) - endpoints}"
    )


def _denied_as_expected(role, category, response):
    if role == "anonymous":
        return response.status_code == 302 and "/account/login" in response.headers["Location"]
    if category == "verified" and role == "unverified":
        return response.status_code == 302 and "/dashboard/" in response.headers["Location"]
    return response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(app, world, role):
    client = _client(app, world, role)
    failures = []
    for rule in _rules(app):
        if "GET" not in rule.methods:
            continue
        category = ACCESS[rule.endpoint]
        response = client.get(_url(app, rule, world["values"]))
        body = response.get_data().decode("utf-8", "replace")
        if role in ALLOWED[category]:
            if category != "public" and response.status_code != 200:
                failures.append((rule.endpoint, response.status_code, "should be allowed"))
            if response.status_code >= 500:
                failures.append((rule.endpoint, response.status_code, "server error"))
        elif not _denied_as_expected(role, category, response):
            failures.append((rule.endpoint, response.status_code, "should be denied"))
        # Nobody outside agency A ever sees its draft or its proof bytes.
        if role not in ALLOWED["member"]:
            assert "SECRET DRAFT agency-a" not in body, rule.endpoint
            assert response.data != PDF, rule.endpoint
        assert "SECRET DRAFT agency-b" not in body or role in ("owner_b", "admin"), rule.endpoint
    assert not failures, failures


@pytest.mark.parametrize("role", ROLES)
def test_post_matrix_denials(app, world, role):
    """Every state-changing route refuses those outside its category, with a valid token."""
    client = _client(app, world, role)
    token = csrf_token(client, "/en/account/signup")
    before = _state(world)
    failures = []
    for rule in _rules(app):
        if "POST" not in rule.methods:
            continue
        category = ACCESS[rule.endpoint]
        if role in ALLOWED[category]:
            continue
        data = {
            "csrf_token": token,
            "user_id": str(world["users"]["owner_a"].id),
            "email": "x@example.com",
            "reason": "because",
            "program": "partner",
            "tier": "elite",
            "name": "Hijacked",
            "services": ["seo"],
        }
        response = client.post(_url(app, rule, world["values"]), data=data)
        if not _denied_as_expected(role, category, response):
            failures.append((rule.endpoint, response.status_code))
    assert not failures, failures
    assert _state(world) == before


def _state(world):
    db.session.expire_all()
    a = db.session.get(Agency, world["a"].id)
    return (
        snapshot(a),
        a.program,
        a.tier,
        a.status,
        a.logo,
        db.session.get(AgencyDraft, a.id).payload,
        sorted(
            db.session.execute(
                select(Membership.user_id, Membership.role).where(Membership.agency_id == a.id)
            ).all()
        ),
        [(c.status, c.rejection_reason) for c in a.certifications],
        [(i.email, i.used_at) for i in db.session.scalars(select(Invitation))],
    )


@pytest.mark.parametrize("role", ["anonymous", "owner_a", "admin"])
def test_every_post_without_csrf_token_is_refused(app, world, role):
    client = _client(app, world, role)
    before = _state(world)
    failures = []
    for rule in _rules(app):
        if "POST" not in rule.methods:
            continue
        url = _url(app, rule, world["values"])
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(url, data={**data, "name": "Hijacked", "reason": "x"})
            if response.status_code != 400:
                failures.append((rule.endpoint, response.status_code))
    assert not failures, failures
    assert _state(world) == before


def test_extra_fields_ignored_for_non_admins_in_draft(app, world):
    client = login_as(app, world["users"]["manager_a"])
    path = "/en/dashboard/agencies/agency-a/edit"
    data = {
        "csrf_token": csrf_token(client, path),
        "name": "Renamed",
        "services": ["seo"],
        "offices-0-country": "FR",
        "headquarters": "0",
        "tier": "elite",
        "program": "partner",
        "status": "suspended",
        "accreditations": ["onboarding"],
        "rating_avg": "5",
    }
    assert client.post(path, data=data).status_code in (302, 409)
    draft = db.session.get(AgencyDraft, world["a"].id)
    db.session.refresh(draft)
    assert not {"tier", "program", "status", "accreditations", "rating_avg"} & set(draft.payload)


# --- headers and cookies --------------------------------------------------------------------


def test_security_headers_on_self_service_pages(client):
    for path in ("/en/account/login", "/en/account/signup"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP
        assert response.headers["Cache-Control"] == "no-store"


def test_hsts_over_https(client):
    response = client.get("/en/account/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_templates_have_no_inline_script_or_style():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    for folder in ("account", "dashboard", "admin"):
        for path in (root / folder).rglob("*.html"):
            text = path.read_text()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
            assert not re.search(r"\sstyle=", text), path
            assert not re.search(r"\son[a-z]+=", text), path


def test_cookies_in_a_production_like_config(_schema, tmp_path):
    app = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 64,
            "SQLALCHEMY_DATABASE_URI": _schema,
            "MAIL_BACKEND": "file",
            "MAIL_OUTBOX_DIR": str(tmp_path),
            "SEARCH_INDEX_PATH": str(tmp_path / "search"),
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        try:
            user = make_user("prod@example.com")
            client = app.test_client()
            base = "https://localhost"
            token_page = client.get("/en/account/login", base_url=base)
            assert "Strict-Transport-Security" in token_page.headers
            import re

            token = re.search(
                r'name="csrf_token"[^>]*value="([^"]+)"', token_page.get_data(as_text=True)
            ).group(1)
            response = client.post(
                "/en/account/login",
                base_url=base,
                data={
                    "csrf_token": token,
                    "email": user.email,
                    "password": "correct horse battery staple",
                    "remember": "y",
                },
                headers={"Referer": "https://localhost/en/account/login"},
            )
            assert response.status_code == 302
            cookies = response.headers.getlist("Set-Cookie")
            session_cookie = next(c for c in cookies if c.startswith("session="))
            remember = next(c for c in cookies if c.startswith("remember_token="))
            for cookie in (session_cookie, remember):
                assert "Secure" in cookie and "HttpOnly" in cookie
            assert "SameSite=Lax" in session_cookie
        finally:
            db.session.remove()


# --- routes of other blueprints inside the private areas ---------------------------------------

PRIVATE_PREFIXES = {"/<lang>/dashboard/": "member", "/<lang>/admin": "admin"}


def _private_rules_elsewhere(app):
    """Rules of other blueprints (leads, reviews, …) mounted under /dashboard/ or /admin."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in BLUEPRINTS:
            continue
        for prefix, category in PRIVATE_PREFIXES.items():
            if rule.rule.startswith(prefix):
                found.append((rule, category))
    return found


def _values_for(rule, values):
    return {k: values.get(k, 1) for k in rule.arguments}


@pytest.mark.parametrize("role", ["anonymous", "unverified", "owner_b", "manager_a"])
def test_private_routes_of_other_blueprints_deny_outsiders(app, world, role):
    """Whoever adds a page under /dashboard/<slug>/ or /admin, outsiders cannot reach it."""
    client = _client(app, world, role)
    token = csrf_token(client, "/en/account/signup")
    failures = []
    for rule, category in _private_rules_elsewhere(app):
        if role in ALLOWED[category]:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **_values_for(rule, world["values"]))
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            denied = response.status_code in (403, 404) or (
                response.status_code == 302 and "/account/login" in response.headers["Location"]
            )
            if not denied:
                failures.append((rule.endpoint, method, response.status_code))
    assert not failures, failures


def test_private_posts_of_other_blueprints_need_csrf(app, world):
    client = _client(app, world, "owner_a")
    failures = []
    for rule, _category in _private_rules_elsewhere(app):
        if "POST" not in rule.methods:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **_values_for(rule, world["values"]))
        response = client.post(url, data={})
        if response.status_code != 400:
            failures.append((rule.endpoint, response.status_code))
    assert not failures, failures
