"""Valid HTML: every page type, in English and French, through the Nu HTML checker (vnu.jar).

The pages are rendered with the test client (no browser: the checker reads the markup the server
sends), written to a folder and checked in ONE java run (the JVM takes a second or two to start).
``PAGES`` is checked against the app's URL map, so a new GET endpoint fails the test until it is
given a page here or an exclusion with its reason.

vnu.jar comes from npm (``vnu-jar``, installed by ``.ci/run`` into ``.tools/``) and runs on Debian's
Java; ``VNU_JAR`` points elsewhere. Without them the check skips, except in CI where it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException

from directory.db import db, utcnow
from directory.models import CaseStudy, Lead
from directory.services import accounts, agencies
from directory.services.insights.digest import unsubscribe_token
from directory.services.leads.privacy import request_token
from directory.services.reviews.submissions import invite_client, submit_review
from tests.support.factories import add_member, make_user
from tests.support.search import make_directory
from tests.support.web import CSRF_FIELD, login_as, mail_link

pytestmark = pytest.mark.usefixtures("french_catalog", "request_scoped_clients")

ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"))
LANGS = ("en", "fr")

# (name, who, path, expected status); who: "anon" or "member" (an owner who is also an admin).
# Paths take {lang} and the values of the ``world`` fixture. POSTed pages are in ``FORM_PAGES``.
PAGES = [
    ("home", "anon", "/{lang}/", 200),
    ("search results", "anon", "/{lang}/search?q=marketing&country=FR", 200),
    ("search with filters", "anon", "/{lang}/search?service=seo&sort=rating", 200),
    ("search empty", "anon", "/{lang}/search?q=zzyzxq", 200),
    ("landing service", "anon", "/{lang}/services/seo", 200),
    ("landing country", "anon", "/{lang}/services/seo/fr", 200),
    ("landing city", "anon", "/{lang}/services/seo/fr/lyon", 200),
    ("profile", "anon", "/{lang}/agencies/{slug}", 200),
    ("compare", "anon", "/{lang}/compare?a={slug}&a=rhone-growth&a=spree-websites", 200),
    ("compare empty", "anon", "/{lang}/compare", 200),
    ("ranking", "anon", "/{lang}/ranking", 200),
    ("browse services", "anon", "/{lang}/services", 200),
    ("browse places", "anon", "/{lang}/countries", 200),
    ("reviews transparency", "anon", "/{lang}/reviews/transparency", 200),
    ("contact", "anon", "/{lang}/agencies/{slug}/contact", 200),
    ("contact sent", "anon", "/{lang}/agencies/{slug}/contact/sent", 200),
    ("get matched", "anon", "/{lang}/match", 200),
    ("match sent", "anon", "/{lang}/match/sent", 200),
    ("review form", "anon", "/{lang}/agencies/{slug}/review", 200),
    ("review invited", "anon", "/{lang}/agencies/{slug}/review/invited/{review_invitation}", 200),
    ("review invitation invalid", "anon", "/{lang}/agencies/{slug}/review/invited/nope", 404),
    ("review sent", "anon", "/{lang}/agencies/{slug}/review/sent", 200),
    ("review thanks", "anon", "/{lang}/agencies/{slug}/review/thanks", 200),
    ("review verify", "anon", "/{lang}/reviews/verify/{review_submission}", 200),
    ("review report", "anon", "/{lang}/reviews/{review_id}/report", 200),
    ("sign in", "anon", "/{lang}/account/login", 200),
    ("sign up", "anon", "/{lang}/account/signup", 200),
    ("forgot password", "anon", "/{lang}/account/forgot", 200),
    ("reset password", "anon", "/{lang}/account/reset/{reset_token}", 200),
    ("reset password invalid", "anon", "/{lang}/account/reset/nope", 400),
    ("verify email", "anon", "/{lang}/account/verify/{verify_token}", 200),
    ("team invitation invalid", "anon", "/{lang}/dashboard/invitations/nope", 404),
    ("verify email invalid", "anon", "/{lang}/account/verify/nope", 400),
    ("privacy policy", "anon", "/{lang}/privacy", 200),
    ("privacy request", "anon", "/{lang}/privacy/request", 200),
    ("privacy confirm", "anon", "/{lang}/privacy/confirm/{privacy_token}", 200),
    ("404", "anon", "/{lang}/no-such-page", 404),
    ("embed widget", "anon", "/embed/{slug}?lang={lang}", 200),
    ("account settings", "member", "/{lang}/account/settings", 200),
    ("delete account", "member", "/{lang}/privacy/account/delete", 200),
    ("team invitation", "member", "/{lang}/dashboard/invitations/{team_invitation}", 200),
    ("dashboard", "member", "/{lang}/dashboard/", 200),
    ("dashboard new agency", "member", "/{lang}/dashboard/new", 200),
    ("dashboard claim", "member", "/{lang}/dashboard/claim", 200),
    ("dashboard agency", "member", "/{lang}/dashboard/agencies/{slug}/", 200),
    ("dashboard edit", "member", "/{lang}/dashboard/agencies/{slug}/edit", 200),
    ("dashboard preview", "member", "/{lang}/dashboard/agencies/{slug}/preview", 200),
    ("dashboard logo", "member", "/{lang}/dashboard/agencies/{slug}/logo", 200),
    ("dashboard team", "member", "/{lang}/dashboard/agencies/{slug}/team", 200),
    ("dashboard certifications", "member", "/{lang}/dashboard/agencies/{slug}/certifications", 200),
    ("case studies", "member", "/{lang}/dashboard/agencies/{slug}/case-studies", 200),
    ("case study new", "member", "/{lang}/dashboard/agencies/{slug}/case-studies/new", 200),
    ("case study edit", "member", "/{lang}/dashboard/agencies/{slug}/case-studies/cs1", 200),
    ("performance", "member", "/{lang}/dashboard/agencies/{slug}/performance", 200),
    ("email preferences", "member", "/{lang}/account/email-preferences", 200),
    ("digest unsubscribe", "anon", "/{lang}/digest/unsubscribe/{unsubscribe_token}", 200),
    ("leads inbox", "member", "/{lang}/dashboard/{slug}/leads", 200),
    ("lead detail", "member", "/{lang}/dashboard/{slug}/leads/{lead_id}", 200),
    ("lead preferences", "member", "/{lang}/dashboard/{slug}/leads/preferences", 200),
    ("dashboard reviews", "member", "/{lang}/dashboard/{slug}/reviews", 200),
    ("review response", "member", "/{lang}/dashboard/{slug}/reviews/{review_id}/response", 200),
    ("badge builder", "member", "/{lang}/dashboard/{slug}/badge", 200),
    ("admin", "member", "/{lang}/admin/", 200),
    ("admin agencies", "member", "/{lang}/admin/agencies", 200),
    ("admin agency", "member", "/{lang}/admin/agencies/{slug}", 200),
    ("admin audit", "member", "/{lang}/admin/audit", 200),
    ("admin insights", "member", "/{lang}/admin/insights", 200),
    ("admin certifications", "member", "/{lang}/admin/certifications", 200),
    ("admin search analytics", "member", "/{lang}/admin/search-analytics", 200),
    ("admin review queue", "member", "/{lang}/admin/reviews", 200),
    ("admin leads", "member", "/{lang}/admin/leads", 200),
    ("admin recent leads", "member", "/{lang}/admin/leads/recent", 200),
    ("admin lead", "member", "/{lang}/admin/leads/{lead_id}", 200),
]

# GET endpoints that serve no HTML page of their own, and why.
EXCLUDED = {
    "static": "files",
    "root.index": "redirects to a language",
    "root.robots": "text",
    "root.sitemap": "XML",
    "root.sitemap_part": "XML",
    "root.sitemap_landings": "XML",
    "health.healthz": "JSON",
    "api.openapi": "JSON",
    "api.search": "JSON",
    "search.suggest": "JSON for the suggestion box",
    "public.set_language": "redirects to the page in the chosen language",
    "public.reviews_policy": "former address, redirects to reviews.transparency",
    "leads.get_matched": "same URL and view as leads.match",
    "leads.export_csv": "CSV",
    "admin.search_analytics_csv": "CSV",
    "admin.program_insights_csv": "CSV",
    "dashboard.insights_export": "CSV",
    "privacy.account_export": "JSON download",
    "files.stored_file": "uploaded images and proofs",
    "dashboard.certification_proof": "uploaded proof file",
    "admin.certification_proof": "uploaded proof file",
    "badges.review_svg": "image",
    "badges.review_png": "image",
    "badges.tier_svg": "image",
    "badges.tier_png": "image",
}


def _form_pages(world: dict) -> list[tuple[str, str, str, dict, int]]:
    """(name, who, path, form data, expected status) of pages that answer a POST."""
    slug = world["slug"]
    return [
        ("match results", "anon", "/{lang}/match", {"services": "seo"}, 200),
        ("match errors", "anon", "/{lang}/match", {}, 422),
        ("contact errors", "anon", f"/{{lang}}/agencies/{slug}/contact", {}, 422),
        ("review form errors", "anon", f"/{{lang}}/agencies/{slug}/review", {}, 422),
        ("sign up errors", "anon", "/{lang}/account/signup", {"email": "x"}, 422),
        ("sign in errors", "anon", "/{lang}/account/login", {"email": "x@example.com"}, 422),
        ("privacy request errors", "anon", "/{lang}/privacy/request", {}, 422),
        ("forgot password sent", "anon", "/{lang}/account/forgot", {"email": "n@example.com"}, 200),
        (
            "privacy request sent",
            "anon",
            "/{lang}/privacy/request",
            {"email": "no@example.com", "kind": "export"},
            200,
        ),
        ("privacy erased", "anon", f"/{{lang}}/privacy/confirm/{world['erase_token']}", {}, 200),
        (
            "dashboard edit errors",
            "member",
            f"/{{lang}}/dashboard/agencies/{slug}/edit",
            {"name": "", "save": "1"},
            422,
        ),
    ]


def _get_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}


def _endpoint_of(app, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(path.split("?", 1)[0], "GET")[0]
    except HTTPException:
        return "(no route)"


def test_every_get_endpoint_has_a_page_or_a_reason(app):
    dummy = {k: "1" for k in ("slug", "lead_id", "review_id")} | {"lang": "en"}
    values = dict.fromkeys(
        ("review_invitation", "review_submission", "reset_token", "verify_token"), "t"
    )
    values |= {"team_invitation": "t", "privacy_token": "t", "unsubscribe_token": "t"} | dummy
    routed = {name: _endpoint_of(app, path.format(**values)) for name, _, path, _ in PAGES}
    checked = set(routed.values())
    endpoints = _get_endpoints(app)
    missing = endpoints - checked - set(EXCLUDED)
    stale = set(EXCLUDED) - endpoints
    assert not missing and not stale, f"no page nor reason: {missing}; stale exclusions: {stale}"
    assert [name for name, to in routed.items() if to == "(no route)"] == ["404"]


# --- the world the pages show -------------------------------------------------------------------


@pytest.fixture
def world(app, factory):
    """A directory with a reviewed partner agency, its owner (an admin), a lead, tokens."""
    data = make_directory(factory)
    agency = data["paris_seo"]
    review = factory.review(
        agency, title="Excellent project", rating=5, source="invitation", service="seo"
    )
    factory.review(agency, title="Travail soigné", body="Une équipe à l'écoute.", lang="fr")
    factory.agency(name="Pending Agency", slug="pending-agency", listed=False)
    member = make_user("member@example.com", admin=True, name="Ada Owner")
    add_member(member, agency, role="owner")
    lead = Lead(
        agency_id=agency.id,
        source="contact",
        name="Grace Hopper",
        email="grace@example.com",
        company="Navy",
        services=["seo"],
        message="Hello",
        consent_version="test",
        consent_at=utcnow(),
    )
    db.session.add(lead)
    db.session.add(
        CaseStudy(
            agency_id=agency.id,
            key="cs1",
            title="Doubling qualified leads",
            client_or_sector="B2B SaaS",
            services=["seo"],
            challenge="Traffic without leads.",
            results="A new funnel in 3 months.",
            figures=[{"value": "+38 %", "label": "organic leads"}],
        )
    )
    db.session.commit()
    with app.test_request_context():
        tokens = _tokens(agency, member)
    return {
        "slug": agency.slug,
        "lead_id": lead.id,
        "review_id": review.id,
        "member": member,
        **tokens,
    }


def _tokens(agency, member) -> dict[str, str]:
    """Valid links of the pages reached from a mail (read back from the outbox)."""
    agencies.invite_member(agency, member, "newcomer@example.com")
    invite_client(
        agency,
        member,
        "en",
        client_name="Linus",
        client_company="Kernel",
        client_email="linus@example.com",
        project="A website",
    )
    content = {"author_name": "Ada", "rating": 5, "title": "Great", "background": "A project."}
    submit_review(agency, content, "ada@example.com", "en")
    unverified = make_user("fresh@example.com", verified=False)
    return {
        "team_invitation": mail_link("newcomer@example.com", "/invitations/").rsplit("/", 1)[1],
        "review_invitation": mail_link("linus@example.com", "/invited/").rsplit("/", 1)[1],
        "review_submission": mail_link("ada@example.com", "/verify/").rsplit("/", 1)[1],
        "reset_token": accounts.make_token(unverified, "reset"),
        "verify_token": accounts.make_token(unverified, "verify"),
        "privacy_token": request_token("grace@example.com", "export"),
        "erase_token": request_token("nobody@example.com", "erase"),
        "unsubscribe_token": unsubscribe_token(member),
    }


def _render_all(app, world: dict, folder: Path) -> tuple[dict[str, str], list[str]]:
    """Write every page in every language to ``folder``; (file name -> page name, problems)."""
    clients = {"anon": app.test_client(), "member": login_as(app, world["member"])}
    names: dict[str, str] = {}
    problems: list[str] = []

    def keep(name, lang, response, expected):
        label = f"{name} ({lang})"
        if response.status_code != expected:
            problems.append(f"{label}: status {response.status_code}, expected {expected}")
        if response.mimetype != "text/html":
            problems.append(f"{label}: {response.mimetype}")
            return
        file = f"{len(names):03d}-{name.replace(' ', '-')}-{lang}.html"
        (folder / file).write_bytes(response.get_data())
        names[file] = label

    for lang in LANGS:
        values = {k: v for k, v in world.items() if k != "member"} | {"lang": lang}
        for name, who, path, expected in PAGES:
            keep(name, lang, clients[who].get(path.format(**values)), expected)
        for name, who, path, data, expected in _form_pages(world):
            url = path.format(lang=lang)
            form = clients[who].get(url)
            token = CSRF_FIELD.search(form.get_data(as_text=True))
            if token is None:
                problems.append(f"{name} ({lang}): no form to send (status {form.status_code})")
                continue
            response = clients[who].post(url, data={"csrf_token": token.group(1), **data})
            keep(name, lang, response, expected)
        # A form sent without its CSRF token: the 400 error page.
        keep("400", lang, clients["anon"].post(f"/{lang}/account/login", data={}), 400)
    return names, problems


def _vnu() -> list[str] | None:
    java = shutil.which("java")
    if java and VNU_JAR.is_file():
        return [java, "-Xss4m", "-jar", str(VNU_JAR)]
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Nu checker: java={java}, jar {VNU_JAR}: {VNU_JAR.is_file()}")
    pytest.skip(f"Nu checker missing (java: {java}; {VNU_JAR}); see README, 'Page checks'")


def _errors_by_page(command: list[str], folder: Path, names: dict[str, str]) -> dict[str, list]:
    files = sorted(str(folder / name) for name in names)
    run = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    found: dict[str, list] = {}
    for message in messages:
        if message["type"] not in ("error", "non-document-error"):
            continue
        page = names.get(Path(message.get("url", "")).name, message.get("url", "?"))
        where = f"line {message.get('lastLine', '?')}"
        found.setdefault(page, []).append(f"{where}: {message['message']}")
    return found


def test_every_page_is_valid_html(app, world, tmp_path):
    command = _vnu()
    names, problems = _render_all(app, world, tmp_path)
    found = _errors_by_page(command, tmp_path, names)
    report = "\n".join(
        [*problems, *(f"{page}:\n  " + "\n  ".join(errs) for page, errs in sorted(found.items()))]
    )
    assert not problems and not found, report
