"""Concurrent writes on one agency: no lost edit and no 500, with requests really at once.

Every round starts its writers together with a ``threading.Barrier``. Each writer is a test
client with its own session cookie and (``request_scoped_clients``) its own app context and
database session, like separate web workers. The suite runs on SQLite and, with
``TEST_DATABASE_URL``, on PostgreSQL. ``CONCURRENCY_ROUNDS`` sets the rounds (default 12);
the figures in the failure messages count lost edits and 500s over all rounds.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections import Counter

import pytest
from PIL import Image
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from directory.db import db
from directory.models import Agency, AgencyDraft
from directory.services import profile
from tests.support.factories import add_member, make_user
from tests.support.threads import race
from tests.support.web import csrf_token, login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

ROUNDS = int(os.environ.get("CONCURRENCY_ROUNDS", "12"))
EDIT = "/en/dashboard/agencies/acme/edit"
_BASE = re.compile(r'name="base" type="hidden" value="([^"]*)"')


def profile_form(**overrides) -> dict:
    """A complete, valid profile form submission."""
    data = {
        "name": "Acme Growth",
        "tagline": "Inbound for B2B",
        "description": "We grow companies.",
        "website": "https://acme.example",
        "email": "hello@acme.example",
        "phone": "+33 1 23 45 67 89",
        "founded": "2012",
        "team_size": "11-50",
        "min_budget_usd": "5000",
        "hourly_rate_low_usd": "100",
        "hourly_rate_high_usd": "150",
        "services": ["seo"],
        "languages": ["en"],
        "offices-0-country": "FR",
        "offices-0-city": "Lyon",
        "headquarters": "0",
    }
    data.update(overrides)
    return data


def _prepared_save(client, **overrides):
    """Read the editor (as a person would) and return the POST to send later."""
    page = client.get(EDIT).get_data(as_text=True)
    data = {
        **profile_form(**overrides),
        "base": _BASE.search(page).group(1),
        "csrf_token": csrf_token(client, EDIT),
    }
    return lambda: client.post(EDIT, data=data)


def _prepared_publish(client):
    token = csrf_token(client, "/en/dashboard/agencies/acme/preview")
    return lambda: client.post("/en/dashboard/agencies/acme/publish", data={"csrf_token": token})


def _final_profile(agency_id: int) -> dict:
    """What the team would see now: the draft if any, else the published profile."""
    db.session.expire_all()
    agency = db.session.get(Agency, agency_id)
    return profile.current_values(agency)


def _reset(agency_id: int, *, draft: dict | None = None) -> None:
    """Start a round from the baseline profile, with or without a pending draft."""
    db.session.expire_all()
    db.session.execute(delete(AgencyDraft).where(AgencyDraft.agency_id == agency_id))
    agency = db.session.get(Agency, agency_id)
    if draft is not None:
        base = profile.snapshot(agency)
        db.session.add(
            AgencyDraft(
                agency_id=agency_id,
                payload={**base, **draft},
                base=base,
                base_version=agency.version,
            )
        )
    db.session.commit()


@pytest.fixture
def team(app, factory):
    """An agency with the baseline profile and two managers signed in on separate clients."""
    agency = factory.agency(slug="acme", name="Acme Growth")
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    add_member(alice, agency), add_member(bob, agency)
    a, b = login_as(app, alice), login_as(app, bob)
    assert _prepared_save(a)().status_code == 302
    assert _prepared_publish(a)().status_code == 302
    return db.session.get(Agency, agency.id).id, a, b


def _report(tally: Counter) -> str:
    """The round counts, also printed (``pytest -s``) to compare runs before and after."""
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()))
    print(f"\n[{ROUNDS} rounds] {summary}")
    return summary


@pytest.mark.parametrize("with_draft", [True, False], ids=["draft", "no-draft"])
def test_simultaneous_saves_of_different_fields_keep_both_or_report_a_conflict(team, with_draft):
    agency_id, a, b = team
    tally = Counter()
    for n in range(ROUNDS):
        _reset(agency_id, draft={} if with_draft else None)
        save_a = _prepared_save(a, name=f"Alice {n}")
        save_b = _prepared_save(b, tagline=f"Bob {n}")
        answers = race(save_a, save_b)
        final = _final_profile(agency_id)
        codes = [r.status_code for r in answers]
        tally.update(f"status {c}" for c in codes)
        kept = [final["name"] == f"Alice {n}", final["tagline"] == f"Bob {n}"]
        if any(c == 302 and not k for c, k in zip(codes, kept, strict=True)):
            tally["lost edit"] += 1
    summary = _report(tally)
    assert not (tally["lost edit"] or tally["status 500"]), summary
    assert set(tally) <= {"status 302", "status 409"}, summary


@pytest.mark.parametrize("with_draft", [True, False], ids=["draft", "no-draft"])
def test_simultaneous_saves_of_the_same_field_give_one_conflict(team, with_draft):
    agency_id, a, b = team
    tally = Counter()
    for n in range(ROUNDS):
        _reset(agency_id, draft={} if with_draft else None)
        answers = race(_prepared_save(a, name=f"Alice {n}"), _prepared_save(b, name=f"Bob {n}"))
        codes = sorted(r.status_code for r in answers)
        tally.update(f"status {c}" for c in codes)
        if codes == [302, 302]:
            tally["lost edit"] += 1  # both were told "Draft saved": one of them was overwritten
        elif codes == [302, 409]:
            winner = answers[[r.status_code for r in answers].index(302)]
            body = answers[1 - answers.index(winner)].get_data(as_text=True)
            assert 'id="conflict"' in body
            name = _final_profile(agency_id)["name"]
            assert name == (f"Alice {n}" if winner is answers[0] else f"Bob {n}")
    summary = _report(tally)
    assert not (tally["lost edit"] or tally["status 500"]), summary
    assert set(tally) <= {"status 302", "status 409"}, summary


def test_publish_at_the_same_time_as_a_save_loses_nothing(team):
    agency_id, a, b = team
    tally = Counter()
    for n in range(ROUNDS):
        _reset(agency_id, draft={"name": f"Draft {n}"})
        publish = _prepared_publish(a)
        save = _prepared_save(b, name=f"Draft {n}", tagline=f"Bob {n}")
        published, saved = race(publish, save)
        tally.update(f"status {r.status_code}" for r in (published, saved))
        db.session.expire_all()
        agency = db.session.get(Agency, agency_id)
        if published.status_code == 302 and agency.name != f"Draft {n}":
            tally["lost publish"] += 1
        if saved.status_code == 302 and _final_profile(agency_id)["tagline"] != f"Bob {n}":
            tally["lost edit"] += 1
    summary = _report(tally)
    assert not (tally["lost edit"] or tally["lost publish"] or tally["status 500"]), summary
    assert set(tally) <= {"status 302", "status 409"}, summary


def _png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (n % 256, (n * 7) % 256, (n * 13) % 256)).save(out, "PNG")
    return out.getvalue()


def test_admin_actions_and_logo_upload_at_once_never_answer_500(app, team):
    """Tier change, suspend/reinstate and a logo upload on one agency at the same moment."""
    agency_id, _a, b = team
    admins = [login_as(app, make_user(f"admin{i}@example.com", admin=True)) for i in range(2)]
    detail = "/en/admin/agencies/acme"
    tally = Counter()
    tiers = ("gold", "platinum", "diamond", "elite")
    for n in range(ROUNDS):
        tier = tiers[n % len(tiers)]
        action = "suspend" if n % 2 == 0 else "reinstate"
        program = {"csrf_token": csrf_token(admins[0], detail), "program": "partner", "tier": tier}
        status = {"csrf_token": csrf_token(admins[1], detail), "reason": f"Round {n} check"}
        logo_token = csrf_token(b, "/en/dashboard/agencies/acme/logo")
        answers = race(
            lambda: admins[0].post(f"{detail}/program", data=program),
            lambda: admins[1].post(f"{detail}/{action}", data=status),
            lambda: b.post(
                "/en/dashboard/agencies/acme/logo",
                data={"csrf_token": logo_token, "logo": (io.BytesIO(_png(n)), "logo.png")},
            ),
        )
        codes = [r.status_code for r in answers]
        tally.update(f"status {c}" for c in codes)
        db.session.expire_all()
        agency = db.session.get(Agency, agency_id)
        expected_status = "suspended" if action == "suspend" else "published"
        wanted = (agency.tier == tier, agency.status == expected_status)
        if any(c == 302 and not ok for c, ok in zip(codes, wanted, strict=False)):
            tally["lost write"] += 1
        for response in answers:
            if response.status_code >= 400 and "error-page" not in response.get_data(as_text=True):
                tally["error page not rendered"] += 1
    summary = _report(tally)
    assert not (tally["lost write"] or tally["status 500"]), summary
    assert set(tally) <= {"status 302", "status 409"}, summary


def _concurrent_admin_write(monkeypatch, agency_id: int, *, times: int) -> list[int]:
    """Make another request bump the agency between the admin's read and write, ``times`` times."""
    from directory.services import agencies

    original = agencies._audit_admin
    calls: list[int] = []

    def audit_then_race(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            # Another web worker commits first, before this request has written anything:
            # once it has flushed, it holds the row and a second connection of this same
            # thread would wait for it for ever (PostgreSQL has no busy timeout).
            with db.engine.begin() as conn:
                conn.execute(
                    Agency.__table__.update()
                    .where(Agency.id == agency_id)
                    .values(tier="elite", program="partner", version=Agency.version + 1)
                )
        original(*args, **kwargs)

    monkeypatch.setattr(agencies, "_audit_admin", audit_then_race)
    return calls


def _admin_post(app, path: str, data: dict):
    admin = login_as(app, make_user("root@example.com", admin=True))
    token = csrf_token(admin, "/en/admin/agencies/acme")
    return admin.post(path, data={"csrf_token": token, **data})


def test_an_admin_write_that_loses_the_race_is_replayed(app, factory, monkeypatch):
    agency = factory.agency(slug="acme")
    calls = _concurrent_admin_write(monkeypatch, agency.id, times=1)
    response = _admin_post(app, "/en/admin/agencies/acme/suspend", {"reason": "Fake reviews"})
    assert response.status_code == 302 and len(calls) == 2
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert (agency.status, agency.tier) == ("suspended", "elite")  # both writes kept


def test_an_admin_write_that_keeps_losing_answers_409_with_a_message(app, factory, monkeypatch):
    agency = factory.agency(slug="acme")
    _concurrent_admin_write(monkeypatch, agency.id, times=100)
    response = _admin_post(app, "/en/admin/agencies/acme/suspend", {"reason": "Fake reviews"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "error-page" in body and "Someone else changed the same data" in body
    assert 'href="/en/admin/"' in body  # the signed-in admin's navigation: the session was usable
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).status == "published"


def test_the_500_page_renders_after_a_failed_flush(app, factory, monkeypatch):
    """An unexpected error with the session left broken still gets the full, signed-in page."""
    from directory.models import Membership
    from directory.services import agencies

    agency = factory.agency(slug="acme")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")

    def broken(*_args, **_kwargs):
        db.session.add(Membership(user_id=owner.id, agency_id=agency.id, role="owner"))
        with contextlib.suppress(IntegrityError):
            db.session.flush()  # duplicate key: the session now needs a rollback
        raise RuntimeError("unexpected")

    monkeypatch.setattr(agencies, "_audit_admin", broken)
    response = _admin_post(app, "/en/admin/agencies/acme/suspend", {"reason": "Fake reviews"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "error-page" in body and "Something went wrong" in body
    assert 'href="/en/admin/"' in body


def test_the_error_page_renders_when_the_database_is_unusable(app, factory, monkeypatch):
    """Even when the rollback fails too, the page renders (as for a visitor, whose nav needs no
    database)."""
    from sqlalchemy.exc import OperationalError

    from directory.models import Membership
    from directory.services import agencies

    agency = factory.agency(slug="acme")
    owner = make_user("owner@example.com")
    add_member(owner, agency, "owner")

    def database_gone(*_args, **_kwargs):
        def fail(*_a, **_k):
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))

        db.session.add(Membership(user_id=owner.id, agency_id=agency.id, role="owner"))
        with contextlib.suppress(IntegrityError):
            db.session.flush()  # the session needs a rollback, which will fail
        monkeypatch.setattr(db.session, "rollback", fail)
        raise RuntimeError("unexpected")

    monkeypatch.setattr(agencies, "_audit_admin", database_gone)
    response = _admin_post(app, "/en/admin/agencies/acme/suspend", {"reason": "Fake reviews"})
    monkeypatch.undo()
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "error-page" in body and "Something went wrong" in body


@pytest.mark.parametrize("with_draft", [True, False], ids=["draft", "no-draft"])
def test_a_save_landing_between_our_read_and_write_is_merged_not_overwritten(team, with_draft):
    """Deterministic form of the race: Bob's save commits after Alice's read, before her write."""
    from sqlalchemy import event, insert, update

    agency_id, a, _b = team
    _reset(agency_id, draft={} if with_draft else None)
    save = _prepared_save(a, name="Alice")
    baseline = _final_profile(agency_id)
    bob = {**baseline, "tagline": "Bob"}
    raced: list[int] = []

    def bob_commits_first(session, _context, _instances):
        if raced or not any(isinstance(o, AgencyDraft) for o in (*session.new, *session.dirty)):
            return
        raced.append(1)
        table = AgencyDraft.__table__
        with db.engine.begin() as conn:  # another web worker, its own connection
            if with_draft:
                conn.execute(
                    update(table)
                    .where(table.c.agency_id == agency_id)
                    .values(payload=bob, revision=table.c.revision + 1)
                )
            else:
                conn.execute(
                    insert(table).values(
                        agency_id=agency_id, payload=bob, base=baseline, base_version=1, revision=1
                    )
                )

    event.listen(Session, "before_flush", bob_commits_first)
    try:
        response = save()
    finally:
        event.remove(Session, "before_flush", bob_commits_first)
    assert response.status_code == 302 and raced
    final = _final_profile(agency_id)
    assert (final["name"], final["tagline"]) == ("Alice", "Bob")
