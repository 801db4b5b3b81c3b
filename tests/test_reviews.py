"""Reviews: collecting (open form and invitations), email verification, replacement,
moderation, responses, reports, spam defences, hostile input, and the aggregates they move."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from sqlalchemy import select

from directory.db import db, utcnow
from directory.mail import read_outbox
from directory.models import (
    Agency,
    AuditEntry,
    Review,
    ReviewInvitation,
    ReviewReport,
    ReviewSubmission,
)
from directory.models.outbox import SearchOutbox
from directory.search import get_backend
from directory.search.documents import build_documents, stamp
from directory.services.reviews import moderation
from directory.services.reviews import submissions as review_service
from tests.support.factories import add_member, count_rows, make_user
from tests.support.web import csrf_token, last_mail, links_in, login_as, mail_link, post_form

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def review_data(**overrides) -> dict:
    """A valid review form, as a browser posts it."""
    data = {
        "rating": "5",
        "quality": "4",
        "schedule": "4",
        "cost": "3",
        "willing_to_refer": "9",
        "project_month": "2025-03",
        "title": "They rebuilt our funnel",
        "background": "We are a 40-person SaaS company selling to hospitals.",
        "challenge": "Our inbound leads had stalled for a year.",
        "solution": "A new content plan and HubSpot workflows.",
        "results": "Twice the demo requests in six months.",
        "author_name": "Ada Lovelace",
        "author_role": "CMO",
        "author_company": "Analytical Engines",
        "email": "ada@example.com",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Any page with a form gives the session's CSRF token (the queue has none when it is empty).
ADMIN_TOKEN_FROM = "/en/agencies/acme/review"


def write_url(agency) -> str:
    return f"/en/agencies/{agency.slug}/review"


def submit(client, agency, **overrides):
    return post_form(client, write_url(agency), review_data(**overrides))


def verify_link(email: str) -> str:
    return mail_link(email, "/reviews/verify/")


def confirm(client, link: str):
    path = link.split("://", 1)[1].split("/", 1)[1]
    return post_form(client, "/" + path, {})


def moderate(admin_client, review, action: str, **data):
    """An administrator's decision on a review, posted from the queue."""
    url = f"/en/admin/reviews/{review.id}/{action}"
    return post_form(admin_client, url, data, token_from=ADMIN_TOKEN_FROM)


@pytest.fixture
def agency(factory):
    return factory.agency(name="Acme Growth", slug="acme")


@pytest.fixture
def admin_client(app):
    return login_as(app, make_user("admin@example.com", admin=True))


# --- the form -----------------------------------------------------------------------------------


def test_review_form_is_accessible_and_links_the_rules(client, agency, factory):
    html = client.get(write_url(agency)).get_data(as_text=True)
    assert html.count("<fieldset") >= 5 and html.count("<legend>") >= 5
    assert 'type="radio" name="rating" value="1"' in html
    assert 'type="radio" name="willing_to_refer" value="0"' in html
    assert "5: excellent" in html  # the ends of the scale are written out
    assert 'href="/en/reviews/transparency"' in html
    profile = client.get("/en/agencies/acme").get_data(as_text=True)
    assert 'href="/en/agencies/acme/review"' in profile
    hidden = factory.agency(listed=False)
    assert client.get(write_url(hidden)).status_code == 404


def test_review_is_published_only_after_email_check_and_moderation(client, agency, admin_client):
    response = submit(client, agency)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/agencies/acme/review/sent")
    assert count_rows(Review) == 0 and count_rows(ReviewSubmission) == 1
    mail = last_mail("ada@example.com")
    assert "Acme Growth" in mail["subject"]
    link = verify_link("ada@example.com")

    page = client.get(link.split("localhost", 1)[1])
    assert page.status_code == 200 and "They rebuilt our funnel" in page.get_data(as_text=True)
    assert count_rows(Review) == 0  # looking at the page confirms nothing (mail scanners)
    assert confirm(client, link).status_code == 200

    review = db.session.scalar(select(Review))
    assert (review.source, review.status, review.author_email) == (
        "email",
        "pending",
        "ada@example.com",
    )
    assert review.verified_at is not None and review.lang == "en"
    assert review.challenge == "Our inbound leads had stalled for a year."
    assert review.project_date == dt.date(2025, 3, 1)
    assert "Twice the demo requests" in review.body
    assert count_rows(ReviewSubmission) == 0
    assert client.get(link.split("localhost", 1)[1]).status_code == 404  # single use
    assert "They rebuilt" not in client.get("/en/agencies/acme").get_data(as_text=True)

    queue = admin_client.get("/en/admin/reviews").get_data(as_text=True)
    assert "They rebuilt our funnel" in queue
    approve = moderate(admin_client, review, "approve")
    assert approve.status_code == 303
    profile = client.get("/en/agencies/acme").get_data(as_text=True)
    assert "They rebuilt our funnel" in profile and "Verified email" in profile
    assert "Project: March 2025" in profile  # the date of the experience, next to the review's
    assert "Projet\u00a0: mars 2025" in client.get("/fr/agencies/acme").get_data(as_text=True)
    assert "published" in last_mail("ada@example.com")["subject"]


def test_expired_or_unknown_verification_link(client, agency):
    submit(client, agency)
    link = verify_link("ada@example.com")
    db.session.execute(
        ReviewSubmission.__table__.update().values(expires_at=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    assert client.get(link.split("localhost", 1)[1]).status_code == 404
    assert client.get("/en/reviews/verify/nope").status_code == 404
    assert client.get("/en/reviews/verify/" + "x" * 500).status_code == 404


def test_a_later_verified_review_replaces_the_earlier_one(client, agency, factory):
    old = factory.review(agency, author_email="ada@example.com", title="Old words", rating=2)
    review_service.refresh_rating(agency)
    db.session.commit()
    assert agency.review_count == 1

    submit(client, agency, title="New words", rating="5")
    # Not verified yet: the earlier review still stands.
    assert db.session.get(Review, old.id).title == "Old words"
    confirm(client, verify_link("ada@example.com"))

    db.session.expire_all()
    rows = db.session.scalars(select(Review).where(Review.agency_id == agency.id)).all()
    assert len(rows) == 1
    assert (rows[0].title, rows[0].rating, rows[0].status) == ("New words", 5, "pending")
    assert db.session.get(Agency, agency.id).review_count == 0  # pending: not counted


def test_two_pending_submissions_from_one_address_give_one_review(client, agency):
    submit(client, agency, title="First draft")
    first = verify_link("ada@example.com")
    submit(client, agency, title="Second draft")
    second = verify_link("ada@example.com")
    assert confirm(client, second).status_code == 200
    assert client.get(first.split("localhost", 1)[1]).status_code == 404  # superseded
    assert db.session.scalar(select(Review.title)) == "Second draft"


# --- invitations --------------------------------------------------------------------------------


def invite(app, agency, email="grace@client.example") -> str:
    """A member invites a client; returns the path of the emailed link."""
    owner = make_user(f"owner-{agency.slug}@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    dashboard = f"/en/dashboard/{agency.slug}/reviews"
    response = post_form(
        member,
        f"/en/dashboard/{agency.slug}/reviews/invite",
        {
            "client_name": "Grace Hopper",
            "client_company": "Navy",
            "client_email": email,
            "project": "COBOL migration, 2025",
        },
        token_from=dashboard,
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    mail = last_mail(email)
    assert "COBOL migration" in mail["text"]
    link = next(x for x in links_in(mail["text"]) if "/review/invited/" in x)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_invitation_flow_verifies_by_the_token(app, client, agency):
    path = invite(app, agency)
    invitation = db.session.scalar(select(ReviewInvitation))
    expires = invitation.expires_at.replace(tzinfo=dt.UTC) - utcnow()
    assert dt.timedelta(days=29) < expires <= dt.timedelta(days=30)
    assert len(invitation.token_hash) == 64 and path.rsplit("/", 1)[1] not in invitation.token_hash

    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Grace Hopper"' in html and 'name="email"' not in html
    assert "COBOL migration" in html and page.headers["Referrer-Policy"] == "no-referrer"
    response = post_form(client, path, review_data(email=None, author_name="Grace Hopper"))
    assert response.status_code == 303
    review = db.session.scalar(select(Review))
    assert (review.source, review.status, review.author_email) == (
        "invitation",
        "pending",
        "grace@client.example",
    )
    assert review.verified_at is not None
    db.session.expire_all()
    invitation = db.session.scalar(select(ReviewInvitation))
    assert invitation.used_at is not None and invitation.review_id == review.id
    assert count_rows(ReviewSubmission) == 0

    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_expired_and_foreign_invitations_are_refused(app, client, agency, factory):
    path = invite(app, agency)
    other = factory.agency(slug="other-agency")
    assert client.get(path.replace("/acme/", "/other-agency/")).status_code == 404
    db.session.execute(
        ReviewInvitation.__table__.update().values(expires_at=utcnow() - dt.timedelta(minutes=1))
    )
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert other.id and count_rows(Review) == 0


def test_agencies_never_read_a_review_before_publication(app, agency, factory):
    factory.review(agency, title="Already public")
    factory.review(agency, status="pending", title="Not yet moderated")
    factory.review(agency, status="rejected", title="Refused words")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "manager")
    html = login_as(app, owner).get("/en/dashboard/acme/reviews").get_data(as_text=True)
    assert "Already public" in html
    assert "Not yet moderated" not in html and "Refused words" not in html
    assert "1 review is waiting for moderation" in html


def test_only_members_invite(app, client, agency):
    stranger = login_as(app, make_user("stranger@example.com"))
    assert stranger.get("/en/dashboard/acme/reviews").status_code == 404
    assert client.get("/en/dashboard/acme/reviews").status_code == 302  # sign in first


# --- moderation ---------------------------------------------------------------------------------


def test_rejection_emails_the_reason(client, agency, admin_client, factory):
    review = factory.review(agency, status="pending", author_email="bob@example.com", lang="fr")
    response = post_form(
        admin_client,
        f"/en/admin/reviews/{review.id}/reject",
        {"reason": "Not about a real project"},
        token_from=ADMIN_TOKEN_FROM,
    )
    assert response.status_code == 303
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert review.status == "rejected" and review.rejection_reason == "Not about a real project"
    mail = last_mail("bob@example.com")
    assert "Not about a real project" in mail["text"]
    assert "/fr/reviews/transparency" in mail["text"]  # in the reviewer's language
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.rejected"))
    assert entry.actor_label == "admin@example.com" and entry.target == f"review:{review.id}"


def test_moderation_is_for_administrators_only(app, agency, factory):
    review = factory.review(agency, status="pending")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    assert member.get("/en/admin/reviews").status_code == 404
    token = csrf_token(member, "/en/dashboard/acme/reviews")
    response = member.post(f"/en/admin/reviews/{review.id}/approve", data={"csrf_token": token})
    assert response.status_code == 404
    assert db.session.get(Review, review.id).status == "pending"


def test_admin_deletes_a_review_and_aggregates_follow(agency, admin_client, factory):
    review = factory.review(agency, rating=1)
    review_service.refresh_rating(agency)
    db.session.commit()
    response = moderate(admin_client, review, "delete")
    assert response.status_code == 303
    assert count_rows(Review) == 0
    assert db.session.get(Agency, agency.id).review_count == 0


# --- responses ----------------------------------------------------------------------------------


def test_one_editable_response_per_review_by_members(app, client, agency, factory):
    review = factory.review(agency, title="Solid work")
    pending = factory.review(agency, status="pending")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "manager")
    member = login_as(app, owner)
    url = f"/en/dashboard/acme/reviews/{review.id}/response"

    assert post_form(member, url, {"response": "Thank you, Ada!"}).status_code == 303
    assert post_form(member, url, {"response": "Thank you very much!"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Review, review.id).response == "Thank you very much!"
    profile = client.get("/en/agencies/acme").get_data(as_text=True)
    assert "Thank you very much!" in profile and "Thank you, Ada!" not in profile
    assert "Response from Acme Growth" in profile
    response_block = profile.split('class="review__response"', 1)[1].split("</div>", 1)[0]
    assert f'<time datetime="{utcnow().date().isoformat()}">' in response_block  # dated

    assert member.get(f"/en/dashboard/acme/reviews/{pending.id}/response").status_code == 404
    other = factory.agency(slug="rival")
    rival_owner = make_user("rival@example.com")
    add_member(rival_owner, other, "owner")
    rival = login_as(app, rival_owner)
    assert rival.get(url).status_code == 404
    assert rival.get(f"/en/dashboard/rival/reviews/{review.id}/response").status_code == 404


# --- reports ------------------------------------------------------------------------------------


def test_anyone_reports_a_published_review(client, agency, admin_client, factory):
    review = factory.review(agency, title="Too good to be true")
    profile = client.get("/en/agencies/acme").get_data(as_text=True)
    assert f'href="/en/reviews/{review.id}/report"' in profile
    url = f"/en/reviews/{review.id}/report"
    response = post_form(client, url, {"reason": "conflict", "details": "Written by the CEO"})
    assert response.status_code == 303
    found = db.session.scalar(select(ReviewReport))
    assert (found.reason, found.details) == ("conflict", "Written by the CEO")
    queue = admin_client.get("/en/admin/reviews").get_data(as_text=True)
    assert "Written by the CEO" in queue and "Too good to be true" in queue

    dismiss = post_form(
        admin_client,
        f"/en/admin/reviews/reports/{found.id}/dismiss",
        {},
        token_from=ADMIN_TOKEN_FROM,
    )
    assert dismiss.status_code == 303
    db.session.expire_all()
    assert db.session.get(ReviewReport, found.id).resolved_at is not None
    assert db.session.get(Review, review.id).status == "approved"

    assert post_form(client, url, {"reason": "nonsense"}).status_code == 422
    pending = factory.review(agency, status="pending")
    assert client.get(f"/en/reviews/{pending.id}/report").status_code == 404


# --- spam defences ------------------------------------------------------------------------------


def test_honeypot_stores_nothing_and_sends_nothing(client, agency):
    response = submit(client, agency, reference="http://spam.example")
    assert response.status_code == 303  # same answer as for people
    assert count_rows(ReviewSubmission) == 0 and read_outbox() == []


def test_disposable_addresses_are_refused(client, agency):
    response = submit(client, agency, email="someone@mailinator.com")
    assert response.status_code == 422
    assert "disposable addresses are not accepted" in response.get_data(as_text=True)
    assert count_rows(ReviewSubmission) == 0


def test_posts_without_csrf_token_are_refused(client, agency, factory):
    assert client.post(write_url(agency), data=review_data()).status_code == 400
    review = factory.review(agency)
    response = client.post(f"/en/reviews/{review.id}/report", data={"reason": "fake"})
    assert response.status_code == 400
    assert count_rows(ReviewSubmission) == 0 and count_rows(ReviewReport) == 0


# --- hostile input ------------------------------------------------------------------------------

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"


def test_markup_in_every_field_is_escaped_on_the_profile_and_kept_out_of_headers(
    client, agency, admin_client
):
    fields = ("title", "background", "challenge", "solution", "results")
    people = ("author_name", "author_role", "author_company")
    hostile = {name: f"{name} {XSS}" for name in (*fields, *people)}
    assert submit(client, agency, **hostile).status_code == 303
    mail = last_mail("ada@example.com")
    assert "html" not in mail and "\n" not in mail["subject"]  # plain text only
    confirm(client, verify_link("ada@example.com"))
    review = db.session.scalar(select(Review))
    moderate(admin_client, review, "approve")
    queue_and_profile = [
        client.get("/en/agencies/acme").get_data(as_text=True),
        admin_client.get(f"/en/reviews/{review.id}/report").get_data(as_text=True),
    ]
    for html in queue_and_profile:
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Newlines in one-line fields cannot reach a mail header or split a line.
    submit(client, agency, email="eve@example.com", author_name="Eve\r\nBcc: x@evil.example")
    assert "Hello Eve Bcc: x@evil.example," in last_mail("eve@example.com")["text"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"rating": "7"},
        {"rating": "0"},
        {"rating": "abc"},
        {"quality": "-1"},
        {"willing_to_refer": "11"},
        {"willing_to_refer": "1e3"},
        {"rating": None},
        {"title": "x" * 10_000},
        {"background": "x" * 10_000},
        {"author_name": "y" * 10_000},
        {"email": "a" * 10_000 + "@example.com"},
        {"background": "", "challenge": "", "solution": "", "results": "too short"},
        {"consent": None},
        {"project_month": None},
        {"project_month": "2025-13"},
        {"project_month": "1999-12"},
        {"project_month": f"{utcnow().year + 1}-01"},
        {"project_month": "March 2025"},
    ],
)
def test_bad_values_are_form_errors(client, agency, overrides):
    response = submit(client, agency, **overrides)
    assert response.status_code == 422
    assert 'class="field-errors"' in response.get_data(as_text=True)
    assert count_rows(ReviewSubmission) == 0


def test_broken_unicode_is_not_a_server_error(client, agency):
    token = csrf_token(client, write_url(agency))
    body = "&".join(f"{k}={v}" for k, v in review_data().items() if k != "title")
    for tail, status in ((b"\xff\xfe", 400), (b"\xed\xa0\x80", 400), (b"A\x00B", 303)):
        raw = f"csrf_token={token}&{body}&title=".encode() + tail
        response = client.post(
            write_url(agency), data=raw, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == status  # invalid UTF-8: refused, never a 500
    assert db.session.scalar(select(ReviewSubmission.title)) == "AB"  # NUL dropped


# --- aggregates, search and the badge -----------------------------------------------------------


def test_approval_updates_aggregates_search_and_badge(client, agency, admin_client, factory):
    backend = get_backend()
    before_doc = build_documents([agency.id])[0][0]
    badge = client.get("/badges/acme.svg")
    assert badge.status_code == 200
    etag = badge.headers["ETag"]

    review = factory.review(agency, status="pending", rating=5, quality=5)
    response = moderate(admin_client, review, "approve")
    assert response.status_code == 303

    db.session.expire_all()
    fresh = db.session.get(Agency, agency.id)
    assert (fresh.review_count, fresh.rating_avg, fresh.quality_avg) == (1, 5.0, 5.0)
    after_doc = build_documents([agency.id])[0][0]
    assert after_doc["bayesian_score"] > before_doc["bayesian_score"]
    assert count_rows(SearchOutbox) == 0  # pushed right after the commit
    assert backend.stamps()[agency.id].endswith(stamp(after_doc))  # the index has the new one
    new_badge = client.get("/badges/acme.svg", headers={"If-None-Match": etag})
    assert new_badge.status_code == 200 and new_badge.headers["ETag"] != etag

    post_form(
        admin_client,
        f"/en/admin/reviews/{review.id}/reject",
        {"reason": "Withdrawn after a report"},
        token_from=ADMIN_TOKEN_FROM,
    )
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).review_count == 0


def test_search_document_follows_the_approval(client, agency, admin_client, factory):
    review = factory.review(agency, status="pending")
    stamps_before = get_backend().stamps()
    moderate(admin_client, review, "approve")
    stamps_after = get_backend().stamps()
    assert stamps_after[agency.id] != stamps_before.get(agency.id)


# --- pages --------------------------------------------------------------------------------------


def test_transparency_page_in_both_languages(client):
    english = client.get("/en/reviews/transparency")
    text = english.get_data(as_text=True)
    assert english.status_code == 200
    for phrase in ("D. 111-16", "2017-1436", "cannot pay", "newest first", "Report", "one year"):
        assert phrase in text
    assert 'href="/en/reviews/transparency"' in client.get("/en/").get_data(as_text=True)
    french = client.get("/fr/reviews/transparency").get_data(as_text=True)
    assert "Les agences ne peuvent pas payer" in french
    assert 'lang="fr"' in french


def test_badge_builder_for_members(app, agency):
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    page = member.get("/en/dashboard/acme/badge")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "data-badge-builder" in html and "readonly" in html and "badge-builder.js" in html
    assert 'src="http://localhost/badges/acme.svg"' in html
    dark = member.get("/en/dashboard/acme/badge?theme=dark&size=large").get_data(as_text=True)
    assert "/badges/acme.svg?theme=dark&amp;size=large" in dark
    stranger = login_as(app, make_user("stranger@example.com"))
    assert stranger.get("/en/dashboard/acme/badge").status_code == 404


def _snippet(html: str) -> str:
    """The HTML the builder offers to paste (the read-only text area's content)."""
    return unescape(html.split('id="badge-snippet"', 1)[1].split(">", 1)[1].split("</textarea>")[0])


def test_badge_builder_starts_in_the_interface_language(app, agency, french_catalog):
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    french = member.get("/fr/dashboard/acme/badge").get_data(as_text=True)
    assert '<option value="fr" selected>' in french
    assert _snippet(french) == (
        '<a href="http://localhost/fr/agencies/acme#reviews"><img src="http://localhost/badges/'
        'acme.svg?lang=fr" width="240" height="68" alt="Acme Growth — Pas encore d’avis"></a>'
    )
    english = member.get("/en/dashboard/acme/badge").get_data(as_text=True)
    assert '<option value="en" selected>' in english and "lang=fr" not in _snippet(english)
    # The form's own choice wins over the interface language.
    chosen = member.get("/fr/dashboard/acme/badge?lang=en").get_data(as_text=True)
    assert 'src="http://localhost/badges/acme.svg" ' in _snippet(chosen)


def test_badge_builder_without_javascript_honours_png_and_the_strip(app, agency):
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    html = member.get("/en/dashboard/acme/badge?format=png&scale=2&cta=1").get_data(as_text=True)
    assert '<option value="png" selected>' in html
    assert '<input type="checkbox" name="scale" value="2" checked>' in html
    assert _snippet(html) == (
        '<img src="http://localhost/badges/acme.png?cta=1&amp;scale=2" width="240" height="92" '
        'alt="Acme Growth — No reviews yet" usemap="#badge-acme"><map name="badge-acme">'
        '<area shape="rect" coords="0,0,240,68" href="http://localhost/en/agencies/acme#reviews" '
        'alt="Acme Growth — No reviews yet"><area shape="rect" coords="0,68,240,92" '
        'href="http://localhost/en/agencies/acme/review" alt="Leave a review"></map>'
    )
    plain = member.get("/en/dashboard/acme/badge?format=png").get_data(as_text=True)
    assert 'src="http://localhost/badges/acme.png" ' in _snippet(plain)


def test_purge_deletes_expired_submissions_and_old_rejections(client, agency, factory):
    submit(client, agency)
    old = factory.review(agency, status="rejected", moderated_at=utcnow() - dt.timedelta(days=400))
    recent = factory.review(agency, status="rejected", moderated_at=utcnow())
    result = moderation.purge_expired(utcnow() + dt.timedelta(days=8))
    assert result == {"submissions": 1, "rejected": 1}
    assert db.session.get(Review, old.id) is None and db.session.get(Review, recent.id)


def test_markup_from_agencies_is_escaped_too(app, client, agency, factory):
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    invite_data = {
        "client_name": f"Grace {XSS}",
        "client_company": f"Navy {XSS}",
        "client_email": "grace@client.example",
        "project": f"Migration {XSS}",
    }
    dashboard = "/en/dashboard/acme/reviews"
    post_form(member, "/en/dashboard/acme/reviews/invite", invite_data, token_from=dashboard)
    link = mail_link("grace@client.example", "invited")
    for html in (
        client.get("/" + link.split("://", 1)[1].split("/", 1)[1]).get_data(as_text=True),
        member.get(dashboard).get_data(as_text=True),
    ):
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html

    review = factory.review(agency)
    url = f"/en/dashboard/acme/reviews/{review.id}/response"
    assert post_form(member, url, {"response": f"Thanks {XSS}"}).status_code == 303
    profile = client.get("/en/agencies/acme").get_data(as_text=True)
    assert "<script>alert(1)" not in profile and "Thanks &lt;script&gt;" in profile


def test_oversized_responses_reports_and_invitations_are_form_errors(app, client, agency, factory):
    review = factory.review(agency)
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    member = login_as(app, owner)
    url = f"/en/dashboard/acme/reviews/{review.id}/response"
    assert post_form(member, url, {"response": "x" * 10_000}).status_code == 422
    report = f"/en/reviews/{review.id}/report"
    too_long = {"reason": "other", "details": "x" * 10_000}
    assert post_form(client, report, too_long).status_code == 422
    invite = {
        "client_name": "Grace",
        "client_company": "Navy",
        "client_email": "grace@client.example",
        "project": "x" * 10_000,
    }
    response = post_form(
        member, "/en/dashboard/acme/reviews/invite", invite, token_from="/en/dashboard/acme/reviews"
    )
    assert response.status_code == 422
    assert db.session.get(Review, review.id).response is None
    assert count_rows(ReviewReport) == 0 and count_rows(ReviewInvitation) == 0


def test_unlisted_agencies_cannot_invite(app, agency, factory):
    hidden = factory.agency(listed=False, slug="hidden")
    owner = make_user("owner@example.com")
    add_member(owner, hidden, "owner")
    member = login_as(app, owner)
    page = member.get("/en/dashboard/hidden/reviews").get_data(as_text=True)
    assert "must be listed" in page and 'name="client_email"' not in page
    response = post_form(
        member,
        "/en/dashboard/hidden/reviews/invite",
        {"client_name": "G", "client_company": "N", "client_email": "g@client.example"},
        token_from=write_url(agency),
    )
    assert response.status_code == 303 and count_rows(ReviewInvitation) == 0


def test_tokens_work_once_even_when_used_twice_at_once(app, client, agency):
    """Two posts racing with the same link: the conditional write lets only one through."""
    invite(app, agency)
    invitation = db.session.scalar(select(ReviewInvitation))
    content = {"rating": 4, "title": "Once", "author_name": "Grace", "results": "x" * 60}
    review_service.submit_invited_review(invitation, content, "en")
    stale = db.session.get(ReviewInvitation, invitation.id)
    db.session.execute(ReviewInvitation.__table__.update().values(used_at=utcnow()))
    with pytest.raises(review_service.ReviewError):
        review_service.submit_invited_review(stale, content, "en")
    assert count_rows(Review) == 1

    submit(client, agency)
    submission = db.session.scalar(select(ReviewSubmission))
    review_service.verify_submission(submission)
    with pytest.raises(review_service.ReviewError):
        review_service.verify_submission(submission)
    assert count_rows(Review) == 2


# --- the project's month: two selects, checked as strictly as a typed YYYY-MM ----------------


def _without_month(**overrides) -> dict:
    data = review_data(**overrides)
    data.pop("project_month")
    return data


def test_the_month_is_two_labelled_selects_in_a_group(client, agency, french_catalog):
    body = client.get(write_url(agency)).get_data(as_text=True)
    assert 'type="month"' not in body  # no picker in Safari and Firefox, and no placeholder allowed
    assert "<legend>When did the project take place?</legend>" in body
    assert '<label for="project_month-month">Month</label>' in body
    assert '<option value="03">March</option>' in body
    assert f"<option>{utcnow().year}</option>" in body and "<option>2000</option>" in body
    assert "<option>1999</option>" not in body
    french = client.get(f"/fr/agencies/{agency.slug}/review").get_data(as_text=True)
    assert '<option value="03">Mars</option>' in french


def test_the_chosen_month_and_year_are_stored(client, agency):
    data = _without_month(**{"project_month-month": "03", "project_month-year": "2025"})
    response = post_form(client, write_url(agency), data)
    assert response.status_code in (302, 303)
    (submission,) = db.session.scalars(select(ReviewSubmission))
    assert submission.project_date == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("month", "year"),
    [("", "2025"), ("03", ""), ("13", "2025"), ("3", "2025"), ("12", "1999"),
     ("01", str(utcnow().year + 1)), ("03", "2025x")],
)  # fmt: skip
def test_a_bad_month_choice_is_refused_and_the_choice_kept(client, agency, month, year):
    data = _without_month(**{"project_month-month": month, "project_month-year": year})
    response = post_form(client, write_url(agency), data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose the month and the year; the month cannot be later than this one." in body
    assert 'has-error" id="project_month" aria-describedby="project_month-errors"' in body
    # Each select says it is in error, and by which message.
    for part in ("month", "year"):
        assert (
            f'name="project_month-{part}" required aria-invalid="true" '
            'aria-describedby="project_month-errors"'
        ) in body
    assert count_rows(ReviewSubmission) == 0


# --- the service the project was about: one of the agency's own, or none --------------------


@pytest.fixture
def multi(factory):
    return factory.agency(name="Multi", slug="multi", services=["seo", "website-design"])


def test_the_service_select_lists_the_agencys_services_in_the_language(
    client, multi, french_catalog
):
    body = client.get(write_url(multi)).get_data(as_text=True)
    assert '<label for="service">Which service was the project about?' in body
    assert 'id="service-hint"' in body and 'aria-describedby="service-hint"' in body
    assert '<option value="seo">Search engine optimization</option>' in body
    assert '<option value="website-design">Website design</option>' in body
    assert '<option value="other">Other / not listed</option>' in body
    assert 'value="branding"' not in body  # not one of this agency's services
    french = client.get("/fr/agencies/multi/review").get_data(as_text=True)
    assert '<option value="website-design">Conception de sites web</option>' in french
    assert '<option value="other">Autre / non listé</option>' in french


def test_the_chosen_service_follows_the_review_to_the_profile(client, agency, multi, admin_client):
    assert submit(client, multi, service="website-design").status_code == 303
    (submission,) = db.session.scalars(select(ReviewSubmission))
    assert submission.service == "website-design"
    confirm(client, verify_link("ada@example.com"))
    review = db.session.scalar(select(Review))
    assert review.service == "website-design"
    queue = admin_client.get("/en/admin/reviews").get_data(as_text=True)
    assert "Project: Website design, March 2025" in queue  # the moderator sees it too
    moderate(admin_client, review, "approve")
    profile = client.get("/en/agencies/multi").get_data(as_text=True)
    assert "Project: Website design, March 2025" in profile


@pytest.mark.parametrize("value", ["other", ""])
def test_other_or_no_service_is_stored_as_none(client, multi, value):
    assert submit(client, multi, service=value).status_code == 303
    (submission,) = db.session.scalars(select(ReviewSubmission))
    assert submission.service is None


@pytest.mark.parametrize(
    "value", ["branding", "no-such-service", "<script>alert(1)</script>", "seo" * 100, "SEO"]
)
def test_a_service_the_agency_does_not_offer_is_a_field_error(client, multi, value):
    response = submit(client, multi, service=value)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<li>Choose one of this agency's services, or “Other”.</li>" in body
    assert 'aria-describedby="service-hint service-errors" aria-invalid="true"' in body
    assert "<script>alert" not in body
    assert count_rows(ReviewSubmission) == 0


def test_an_invited_review_keeps_its_service(app, client, multi):
    path = invite(app, multi)
    refused = post_form(client, path, review_data(email=None, service="branding"))
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert post_form(client, path, review_data(email=None, service="seo")).status_code == 303
    assert db.session.scalar(select(Review)).service == "seo"


def test_the_agencys_dashboard_shows_each_reviews_service(app, multi, factory):
    factory.review(multi, title="Tagged", service="website-design")
    owner = make_user("owner-multi@example.com")
    add_member(owner, multi, "owner")
    page = login_as(app, owner).get("/en/dashboard/multi/reviews").get_data(as_text=True)
    assert "Project: Website design" in page
