"""Agencies, teams and profile editing: create, claim, invite, drafts, preview, publish."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from directory.db import db, utcnow
from directory.models import Agency, AgencyDraft, AuditEntry, Invitation, Membership
from tests.support.factories import add_member, make_user
from tests.support.web import (
    csrf_token,
    last_mail,
    links_in,
    login_as,
    mail_link,
    path_of,
    post_form,
)

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def profile_data(**overrides) -> dict:
    """A complete, valid profile form submission."""
    data = {
        "name": "Acme Growth",
        "tagline": "Inbound for B2B",
        "description": "We *grow* companies.\n\n- SEO\n- Content",
        "website": "https://acme.example",
        "email": "hello@acme.example",
        "phone": "+33 1 23 45 67 89",
        "founded": "2012",
        "team_size": "11-50",
        "min_budget_usd": "5000",
        "hourly_rate_low_usd": "100",
        "hourly_rate_high_usd": "150",
        "services": ["seo", "content-marketing"],
        "industries": ["software"],
        "products": ["marketing-hub"],
        "client_sizes": ["small"],
        "languages": ["en", "fr"],
        "offices-0-country": "FR",
        "offices-0-city": "Lyon",
        "offices-1-country": "DE",
        "offices-1-city": "Berlin",
        "headquarters": "0",
    }
    data.update(overrides)
    return data


def _edit(client, agency, **overrides):
    path = f"/en/dashboard/agencies/{agency.slug}/edit"
    page = client.get(path).get_data(as_text=True)
    import re

    base = re.search(r'name="base" type="hidden" value="([^"]*)"', page) or re.search(
        r'id="base" name="base" type="hidden" value="([^"]*)"', page
    )
    data = profile_data(**overrides)
    data.setdefault("base", base.group(1) if base else "")
    return post_form(client, path, data)


def _publish(client, agency):
    token = csrf_token(client, f"/en/dashboard/agencies/{agency.slug}/preview")
    return client.post(f"/en/dashboard/agencies/{agency.slug}/publish", data={"csrf_token": token})


def test_verified_user_creates_a_draft_agency(app):
    user = make_user("owner@example.com")
    client = login_as(app, user)
    response = post_form(
        client, "/en/dashboard/new", {"name": "Société Générale Conseil", "country": "FR"}
    )
    assert response.status_code == 302
    agency = db.session.scalar(select(Agency))
    assert agency.slug == "societe-generale-conseil"
    assert agency.status == "draft"
    assert not agency.is_listed()
    assert db.session.get(Membership, (user.id, agency.id)).role == "owner"
    assert db.session.scalar(select(AuditEntry.action)) == "agency.created"
    assert "Société Générale Conseil" in client.get("/en/dashboard/").get_data(as_text=True)


def test_unverified_user_cannot_create_an_agency(app):
    client = login_as(app, make_user("new@example.com", verified=False))
    assert client.get("/en/dashboard/new").status_code == 302
    assert (
        client.post(
            "/en/dashboard/new", data={"csrf_token": csrf_token(client, "/en/dashboard/")}
        ).status_code
        == 302
    )
    assert db.session.scalar(select(Agency)) is None


def test_edit_saves_a_draft_then_publish_copies_it(app, factory):
    agency = factory.agency(name="Old name", slug="acme")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    version = agency.version
    response = _edit(client, agency)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert agency.name == "Old name"  # still the draft only
    draft = db.session.get(AgencyDraft, agency.id)
    assert draft.payload["name"] == "Acme Growth"
    preview = client.get("/en/dashboard/agencies/acme/preview")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Acme Growth" in body and "<em>grow</em>" in body
    assert client.get("/en/agencies/acme").get_data(as_text=True).count("Acme Growth") == 0
    response = _publish(client, agency)
    assert response.status_code == 302
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert agency.name == "Acme Growth"
    assert agency.services == ["seo", "content-marketing"]
    assert [o.city for o in agency.offices] == ["Lyon", "Berlin"]
    assert agency.headquarters.city == "Lyon"
    assert agency.version > version
    assert db.session.get(AgencyDraft, agency.id) is None
    assert "Acme Growth" in client.get("/en/agencies/acme").get_data(as_text=True)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "profile.published")
    ).one()
    assert entry.before["name"] == "Old name" and entry.after["name"] == "Acme Growth"
    # Published changes reach search at once (the search outbox pushes after the commit).
    from directory.search import get_backend
    from directory.search.base import SearchQuery

    hits = get_backend(app).search(SearchQuery(text="Acme Growth")).hits
    assert agency.id in [h.id for h in hits]


def test_first_publish_takes_a_new_agency_out_of_draft(app):
    user = make_user("owner@example.com")
    client = login_as(app, user)
    post_form(client, "/en/dashboard/new", {"name": "Fresh", "country": "FR"})
    agency = db.session.scalar(select(Agency))
    assert _edit(client, agency, name="Fresh").status_code == 302
    assert _publish(client, agency).status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).status == "published"


def test_extra_fields_are_ignored_for_non_admins(app, factory):
    agency = factory.agency(slug="acme", program="provider")
    user = make_user("m@example.com")
    add_member(user, agency, "owner")
    client = login_as(app, user)
    response = _edit(
        client,
        agency,
        tier="elite",
        program="partner",
        status="suspended",
        rating_avg="5",
        review_count="999",
        accreditations=["onboarding"],
        slug="hijack",
    )
    assert response.status_code == 302
    _publish(client, agency)
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert (agency.program, agency.tier, agency.status, agency.slug) == (
        "provider",
        None,
        "published",
        "acme",
    )
    assert agency.accreditations == [] and agency.review_count == 0


def test_per_field_validation_messages(app, factory):
    agency = factory.agency(slug="acme")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    response = _edit(
        client,
        agency,
        name="",
        website="javascript:alert(1)",
        email="nope",
        founded="1700",
        services=[],
        description="<script>x</script>",
        hourly_rate_low_usd="200",
        hourly_rate_high_usd="100",
        headquarters="7",
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for message in [
        "This field is required.",
        "Enter a web address starting with https:// or http://.",
        "Enter a valid email address.",
        "Enter a year between 1800 and",
        "Choose at least one service.",
        "HTML is not allowed here",
        "The high end is below the low end.",
        "Mark exactly one office as the headquarters.",
    ]:
        assert message in body, message
    assert db.session.get(AgencyDraft, agency.id) is None


def test_offices_editor_works_without_javascript(app, factory):
    agency = factory.agency(slug="acme")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    path = "/en/dashboard/agencies/acme/edit"
    data = profile_data()
    data.pop("offices-1-country"), data.pop("offices-1-city")
    response = post_form(client, path, {**data, "add_office": "1"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="offices-1-country"' in body and 'name="offices-2-country"' not in body
    response = post_form(client, path, {**profile_data(), "remove_office": "0"})
    body = response.get_data(as_text=True)
    assert 'value="Berlin"' in body and 'value="Lyon"' not in body
    assert db.session.get(AgencyDraft, agency.id) is None  # nothing saved by these buttons


def test_stale_edit_of_the_same_field_is_a_conflict(app, factory):
    agency = factory.agency(slug="acme", name="Original")
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    add_member(alice, agency), add_member(bob, agency)
    a, b = login_as(app, alice), login_as(app, bob)
    import re

    page = a.get("/en/dashboard/agencies/acme/edit").get_data(as_text=True)
    stale_base = re.search(r'name="base" type="hidden" value="([^"]*)"', page).group(1)
    # Bob edits and publishes the name first.
    assert _edit(b, agency, name="Bob's name").status_code == 302
    assert _publish(b, agency).status_code == 302
    # Alice submits from her stale form: same field changed -> conflict, nothing saved.
    response = post_form(
        a,
        "/en/dashboard/agencies/acme/edit",
        {**profile_data(name="Alice's name"), "base": stale_base},
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Someone else changed these fields" in body and "Bob&#39;s name" in body
    assert db.session.get(AgencyDraft, agency.id) is None
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).name == "Bob's name"


def test_stale_edit_of_other_fields_merges(app, factory):
    agency = factory.agency(slug="acme", name="Original", tagline="Old tagline")
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    add_member(alice, agency), add_member(bob, agency)
    a, b = login_as(app, alice), login_as(app, bob)
    import re

    page = a.get("/en/dashboard/agencies/acme/edit").get_data(as_text=True)
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', page).group(1)
    from directory.services import profile

    current = profile.snapshot(agency)
    # Bob changes only the tagline and publishes.
    bob_data = profile.form_data(current)
    assert _edit(b, agency, **_as_form(bob_data, tagline="Bob's tagline")).status_code == 302
    assert _publish(b, agency).status_code == 302
    # Alice changes only the name from the stale form: merged.
    response = post_form(
        a,
        "/en/dashboard/agencies/acme/edit",
        {**_as_form(bob_data, tagline="Old tagline", name="Alice's name"), "base": base},
    )
    assert response.status_code == 302
    _publish(a, agency)
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert (agency.name, agency.tagline) == ("Alice's name", "Bob's tagline")


def _as_form(values: dict, **overrides) -> dict:
    data = {}
    for key, value in {**values, **overrides}.items():
        if key == "offices":
            for i, office in enumerate(value):
                for k, v in office.items():
                    if v is not None:
                        data[f"offices-{i}-{k}"] = str(v)
        elif value is None:
            data[key] = ""
        elif isinstance(value, list):
            data[key] = value
        else:
            data[key] = str(value)
    return data


def test_publish_conflict_when_someone_published_the_same_field(app, factory):
    agency = factory.agency(slug="acme", name="Original")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    assert _edit(client, agency, name="Draft name").status_code == 302
    # An administrator (or an import) changes the published name meanwhile.
    agency.name = "Imported name"
    db.session.commit()
    response = _publish(client, agency)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Imported name" in body and "Draft name" in body
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).name == "Imported name"
    # Keeping the draft explicitly, then publishing, overwrites.
    token = csrf_token(client, "/en/dashboard/agencies/acme/preview")
    client.post("/en/dashboard/agencies/acme/draft/keep", data={"csrf_token": token})
    assert _publish(client, agency).status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).name == "Draft name"


def test_discard_draft(app, factory):
    agency = factory.agency(slug="acme", name="Original")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    _edit(client, agency, name="Draft")
    token = csrf_token(client, "/en/dashboard/agencies/acme/preview")
    client.post("/en/dashboard/agencies/acme/draft/discard", data={"csrf_token": token})
    assert db.session.get(AgencyDraft, agency.id) is None


def test_owner_invites_a_manager_who_accepts_once(app, factory):
    agency = factory.agency(slug="acme")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    client = login_as(app, owner)
    response = post_form(
        client,
        "/en/dashboard/agencies/acme/team/invite",
        {"email": "Mia@Example.com"},
        token_from="/en/dashboard/agencies/acme/team",
    )
    assert response.status_code == 302
    link = path_of(mail_link("mia@example.com"))
    invitation = db.session.scalar(select(Invitation))
    assert invitation.token_hash not in link  # only the hash is stored
    # Someone signed in with another address cannot use it.
    other = login_as(app, make_user("other@example.com"))
    assert post_form(other, link, {}).status_code == 409
    mia = make_user("mia@example.com")
    mia_client = login_as(app, mia)
    assert post_form(mia_client, link, {}).status_code == 302
    assert db.session.get(Membership, (mia.id, agency.id)).role == "manager"
    assert mia_client.get(link).status_code == 404  # single use


def test_invitation_expires_after_72_hours(app, factory):
    agency = factory.agency(slug="acme")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    client = login_as(app, owner)
    post_form(
        client,
        "/en/dashboard/agencies/acme/team/invite",
        {"email": "mia@example.com"},
        token_from="/en/dashboard/agencies/acme/team",
    )
    link = path_of(mail_link("mia@example.com"))
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    mia = login_as(app, make_user("mia@example.com"))
    assert mia.get(link).status_code == 404


def test_managers_cannot_manage_the_team(app, factory):
    agency = factory.agency(slug="acme")
    manager = make_user("m@example.com")
    add_member(manager, agency)
    client = login_as(app, manager)
    response = post_form(
        client,
        "/en/dashboard/agencies/acme/team/invite",
        {"email": "x@example.com"},
        token_from="/en/dashboard/",
    )
    assert response.status_code == 404


def test_remove_and_transfer_ownership(app, factory):
    agency = factory.agency(slug="acme")
    owner, manager, other = (make_user(f"{n}@example.com") for n in ("owner", "manager", "other"))
    add_member(owner, agency, "owner"), add_member(manager, agency), add_member(other, agency)
    client = login_as(app, owner)
    team = "/en/dashboard/agencies/acme/team"
    post_form(client, f"{team}/remove", {"user_id": str(other.id)}, token_from=team)
    assert db.session.get(Membership, (other.id, agency.id)) is None
    post_form(client, f"{team}/transfer", {"user_id": str(manager.id)}, token_from=team)
    db.session.expire_all()
    assert db.session.get(Membership, (manager.id, agency.id)).role == "owner"
    assert db.session.get(Membership, (owner.id, agency.id)).role == "manager"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"team.removed", "team.ownership_transferred"} <= actions


def test_claim_goes_to_the_address_on_file(app, factory):
    agency = factory.agency(slug="imported", email="contact@imported.example")
    claimant = make_user("me@example.com")
    client = login_as(app, claimant)
    response = post_form(
        client, "/en/dashboard/claim", {"agency": "https://dir.example/en/agencies/imported"}
    )
    unknown = post_form(client, "/en/dashboard/claim", {"agency": "no-such-agency"})
    assert response.status_code == unknown.status_code == 200
    mail = last_mail("contact@imported.example")
    assert "me@example.com" in mail["text"]
    link = path_of(links_in(mail["text"])[0])
    # The person at the agency's address approves, signed in or not.
    approver = app.test_client()
    assert post_form(approver, link, {}).status_code == 200
    assert db.session.get(Membership, (claimant.id, agency.id)).role == "owner"
    # Once owned, further claims send nothing.
    before = len(__import__("directory.mail", fromlist=["read_outbox"]).read_outbox())
    post_form(
        login_as(app, make_user("late@example.com")), "/en/dashboard/claim", {"agency": "imported"}
    )
    assert len(__import__("directory.mail", fromlist=["read_outbox"]).read_outbox()) == before


def test_user_in_several_agencies(app, factory):
    a, b = factory.agency(slug="a-one", name="Alpha"), factory.agency(slug="b-two", name="Beta")
    user = make_user("m@example.com")
    add_member(user, a, "owner"), add_member(user, b)
    body = login_as(app, user).get("/en/dashboard/").get_data(as_text=True)
    assert "Alpha" in body and "Beta" in body


def test_concurrent_publish_is_caught_by_the_version_column(app, factory):
    """An UPDATE landing between our read and our write raises, and nothing is overwritten."""
    from directory.services import profile

    agency = factory.agency(slug="acme", name="Original")
    user = make_user("m@example.com")
    base = profile.snapshot(agency)
    db.session.add(
        AgencyDraft(
            agency_id=agency.id,
            payload={**base, "name": "Mine"},
            base=base,
            base_version=agency.version,
        )
    )
    db.session.commit()
    agency = db.session.get(Agency, agency.id)
    profile.snapshot(agency)  # loaded: this session now holds the current version
    with db.engine.begin() as conn:  # another web node publishes meanwhile
        conn.execute(
            Agency.__table__.update()
            .where(Agency.id == agency.id)
            .values(name="Theirs", version=Agency.__table__.c.version + 1)
        )
    conflict = profile.publish(agency, user)
    assert conflict and conflict.fields[0][0] == "version"
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).name == "Theirs"
    assert db.session.get(AgencyDraft, agency.id) is not None  # the draft is kept


def test_owner_withdraws_a_pending_invitation(app, factory):
    agency = factory.agency(slug="acme")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")
    client = login_as(app, owner)
    team = "/en/dashboard/agencies/acme/team"
    post_form(client, f"{team}/invite", {"email": "mia@example.com"}, token_from=team)
    link = path_of(mail_link("mia@example.com"))
    invitation = db.session.scalar(select(Invitation))
    assert "mia@example.com" in client.get(team).get_data(as_text=True)
    post_form(client, f"{team}/invitations/{invitation.id}/revoke", {}, token_from=team)
    assert "mia@example.com" not in client.get(team).get_data(as_text=True)
    mia = login_as(app, make_user("mia@example.com"))
    assert mia.get(link).status_code == 404


def test_taxonomy_choices_follow_the_interface_language(app, factory):
    agency = factory.agency(slug="acme")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    french = client.get("/fr/dashboard/agencies/acme/edit").get_data(as_text=True)
    english = client.get("/en/dashboard/agencies/acme/edit").get_data(as_text=True)
    assert "Référencement naturel (SEO)" in french and "Allemagne" in french
    assert "Search engine optimization" in english and "Germany" in english
