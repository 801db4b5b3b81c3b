"""Case studies: the dashboard editor (draft, publish, access, hostile input, races), the public
portfolio and its JSON-LD, and the ``case_studies`` field of the JSONL import."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter

import pytest
from PIL import Image
from sqlalchemy import select

from directory.db import db
from directory.models import Agency, AgencyDraft, CaseStudy, StoredFile
from directory.services import case_studies, profile
from directory.services.imports.record import validate_line
from tests.support.factories import add_member, make_user
from tests.support.threads import race
from tests.support.web import csrf_token, login_as

LIST = "/en/dashboard/agencies/acme/case-studies"
NEW = LIST + "/new"
PREVIEW = "/en/dashboard/agencies/acme/preview"
PUBLISH = "/en/dashboard/agencies/acme/publish"
_BASE = re.compile(r'name="base" type="hidden" value="([^"]*)"')
pytestmark = pytest.mark.usefixtures("request_scoped_clients")
_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _png(size=(640, 360), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def study_form(**overrides) -> dict:
    """A complete, valid case-study submission."""
    data = {
        "title": "Doubling qualified leads",
        "client_or_sector": "B2B SaaS",
        "services": ["seo"],
        "challenge": "Traffic without leads.",
        "results": "A new funnel in 3 months.",
        "figures-0-value": "+38 %",
        "figures-0-label": "organic leads",
        "figures-1-value": "2x",
        "figures-1-label": "demo requests",
    }
    data.update(overrides)
    return data


@pytest.fixture
def acme(factory):
    return factory.agency(slug="acme", name="Acme Growth", services=["seo", "ppc"])


@pytest.fixture
def manager(app, acme):
    user = add_member(make_user("alice@example.com"), acme)
    return login_as(app, user)


def _post(client, path, data, **kwargs):
    token = csrf_token(client, NEW if path.endswith(("/move", "/remove")) else path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def _add(client, **overrides):
    return _post(client, NEW, study_form(**overrides), content_type="multipart/form-data")


def _entries(agency_id: int) -> list[dict]:
    db.session.expire_all()
    return case_studies.current_entries(db.session.get(Agency, agency_id))


def _publish(client):
    token = csrf_token(client, NEW)
    return client.post(PUBLISH, data={"csrf_token": token})


# -- the dashboard flow ---------------------------------------------------------------------


def test_add_goes_to_the_draft_and_appears_publicly_only_after_publish(client, manager, acme):
    assert _add(manager).status_code == 302
    assert [e["title"] for e in _entries(acme.id)] == ["Doubling qualified leads"]
    assert db.session.scalar(select(CaseStudy)) is None  # nothing public yet
    assert "Doubling qualified leads" not in client.get("/en/agencies/acme").get_data(True)
    preview = manager.get(PREVIEW).get_data(as_text=True)
    assert "Doubling qualified leads" in preview and "+38 %" in preview
    assert _publish(manager).status_code == 302
    page = client.get("/en/agencies/acme").get_data(as_text=True)
    assert 'id="case-studies"' in page
    assert "Doubling qualified leads" in page and "organic leads" in page
    study = db.session.scalar(select(CaseStudy))
    assert study.figures == [
        {"value": "+38 %", "label": "organic leads"},
        {"value": "2x", "label": "demo requests"},
    ]
    assert study.services == ["seo"]


def test_edit_reorder_and_remove(manager, acme):
    _add(manager, title="First")
    _add(manager, title="Second")
    first, second = (e["key"] for e in _entries(acme.id))
    assert _post(manager, f"{LIST}/{second}/move", {"direction": "up"}).status_code == 302
    assert [e["title"] for e in _entries(acme.id)] == ["Second", "First"]
    edit = f"{LIST}/{first}"
    page = manager.get(edit).get_data(as_text=True)
    base = _BASE.search(page).group(1)
    answer = _post(manager, edit, study_form(title="First, edited", base=base))
    assert answer.status_code == 302
    assert [e["title"] for e in _entries(acme.id)] == ["Second", "First, edited"]
    listing = manager.get(LIST).get_data(as_text=True)
    token = re.search(
        rf'case-studies/{second}/remove".*?name="base" value="([^"]+)"', listing, re.S
    ).group(1)
    assert _post(manager, f"{LIST}/{second}/remove", {"base": token}).status_code == 302
    assert [e["title"] for e in _entries(acme.id)] == ["First, edited"]
    _publish(manager)
    assert [s.title for s in db.session.scalars(select(CaseStudy))] == ["First, edited"]


def test_the_limit_is_twelve(manager, acme):
    for n in range(12):
        assert _add(manager, title=f"Study {n}").status_code == 302
    answer = _add(manager, title="One too many")
    assert answer.status_code == 409
    assert "12 case studies at most" in answer.get_data(as_text=True)
    assert len(_entries(acme.id)) == 12


def test_profile_edits_keep_the_drafted_case_studies(manager, acme):
    """The profile form has no case studies: saving it must not drop them from the draft."""
    _add(manager)
    edit = "/en/dashboard/agencies/acme/edit"
    page = manager.get(edit).get_data(as_text=True)
    form = {
        "name": "Acme Renamed",
        "services": ["seo"],
        "languages": ["en"],
        "offices-0-country": "FR",
        "offices-0-city": "Paris",
        "headquarters": "0",
        "base": _BASE.search(page).group(1),
    }
    assert _post(manager, edit, form).status_code == 302
    assert [e["title"] for e in _entries(acme.id)] == ["Doubling qualified leads"]
    _publish(manager)
    db.session.expire_all()
    assert db.session.get(Agency, acme.id).name == "Acme Renamed"
    assert db.session.scalar(select(CaseStudy.title)) == "Doubling qualified leads"


# -- access ---------------------------------------------------------------------------------


def test_members_of_another_agency_and_strangers_get_404(app, factory, manager, acme):
    _add(manager)
    key = _entries(acme.id)[0]["key"]
    other = factory.agency(slug="other")
    outsider = login_as(app, add_member(make_user("mallory@example.com"), other))
    for path in (LIST, NEW, f"{LIST}/{key}"):
        assert outsider.get(path).status_code == 404
    token = csrf_token(outsider, "/en/dashboard/agencies/other/case-studies/new")
    for path, data in (
        (NEW, study_form()),
        (f"{LIST}/{key}", study_form(title="Hijacked")),
        (f"{LIST}/{key}/move", {"direction": "down"}),
        (f"{LIST}/{key}/remove", {"base": "x"}),
    ):
        assert outsider.post(path, data={"csrf_token": token, **data}).status_code == 404
    assert [e["title"] for e in _entries(acme.id)] == ["Doubling qualified leads"]
    assert app.test_client().get(LIST).status_code in (302, 404)


def test_a_post_without_csrf_token_is_refused(manager, acme):
    assert manager.post(NEW, data=study_form()).status_code == 400
    assert _entries(acme.id) == []


# -- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 121}, "At most 120 characters"),
        ({"title": "<script>alert(1)</script>"}, "HTML is not allowed"),
        ({"challenge": "bad\x00byte"}, "control characters"),
        ({"services": ["not-a-service"]}, "valid choice"),
        ({"figures-2-value": "50 %"}, "Give both the figure"),
        ({"figures-3-value": "9" * 21, "figures-3-label": "x"}, "20 characters"),
    ],
)
def test_bad_input_rerenders_the_form_with_a_message(manager, acme, overrides, message):
    answer = _add(manager, **overrides)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert _entries(acme.id) == []


def test_images_are_checked_reencoded_and_served_like_logos(client, manager, acme):
    answer = _add(manager, image=(io.BytesIO(_png((2400, 1200))), "photo.png"))
    assert answer.status_code == 302
    image = _entries(acme.id)[0]["image"]
    assert (image["width"], image["height"]) == (1200, 600)  # within IMAGE_BOX
    served = client.get(f"/files/{image['name']}")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(served.data)).format == "WEBP"
    stored = db.session.scalar(select(StoredFile).where(StoredFile.purpose == "image"))
    assert stored is not None


@pytest.mark.parametrize(
    "payload, message",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not accepted"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "damaged or incomplete"),
        (b"", "empty"),
    ],
)
def test_hostile_images_are_refused_with_a_message(manager, acme, payload, message):
    answer = _add(manager, image=(io.BytesIO(payload), "x.png"))
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert _entries(acme.id) == []


def test_malformed_multipart_never_gives_a_500(manager, acme):
    token = csrf_token(manager, NEW)
    head = b'--XYZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode()
    title = b'\r\n--XYZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nT'
    for body in (head + title, b"--other\r\n"):  # truncated; boundary not in the body
        answer = manager.post(NEW, data=body, content_type="multipart/form-data; boundary=XYZ")
        assert answer.status_code in (400, 422), body
    a_file_as_title = {**study_form(), "title": (io.BytesIO(b"x"), "x.txt")}
    assert _post(manager, NEW, a_file_as_title).status_code == 400
    text_as_file = _post(manager, NEW, {**study_form(), "image": "just text"})
    assert text_as_file.status_code == 302  # a text part under the file's name: no image
    assert _entries(acme.id)[0]["image"] is None


def test_remove_image_and_replaced_files_are_deleted(manager, acme):
    _add(manager, image=(io.BytesIO(_png()), "a.png"))
    entry = _entries(acme.id)[0]
    edit = f"{LIST}/{entry['key']}"
    base = _BASE.search(manager.get(edit).get_data(as_text=True)).group(1)
    form = study_form(base=base, image=(io.BytesIO(_png(color=(1, 2, 3))), "b.png"))
    assert _post(manager, edit, form, content_type="multipart/form-data").status_code == 302
    assert _entries(acme.id)[0]["image"]["name"] != entry["image"]["name"]
    old_id = int(entry["image"]["name"].split("-")[0])
    assert db.session.get(StoredFile, old_id) is None  # referenced by nothing any more
    base = _BASE.search(manager.get(edit).get_data(as_text=True)).group(1)
    assert _post(manager, edit, study_form(base=base, remove_image="y")).status_code == 302
    assert _entries(acme.id)[0]["image"] is None


# -- concurrency ----------------------------------------------------------------------------


@pytest.fixture
def pair(app, acme):
    alice = login_as(app, add_member(make_user("ann@example.com"), acme))
    bob = login_as(app, add_member(make_user("bob@example.com"), acme))
    return alice, bob


def _prepared_edit(client, key, **overrides):
    edit = f"{LIST}/{key}"
    base = _BASE.search(client.get(edit).get_data(as_text=True)).group(1)
    data = {**study_form(**overrides), "base": base, "csrf_token": csrf_token(client, edit)}
    return lambda: client.post(edit, data=data)


def test_simultaneous_edits_never_lose_one_silently(pair, acme):
    alice, bob = pair
    _add(alice)
    key = _entries(acme.id)[0]["key"]
    tally = Counter()
    for n in range(6):
        same = (
            _prepared_edit(alice, key, title=f"Alice {n}"),
            _prepared_edit(bob, key, title=f"B{n}"),
        )
        codes = sorted(r.status_code for r in race(*same))
        tally.update(codes)
        assert codes == [302, 409], codes  # the same field: one wins, the other is told
        # Different fields of the same case study: both kept, or a conflict shown.
        title = _entries(acme.id)[0]["title"]
        a = _prepared_edit(alice, key, title=title, results=f"Results {n}")
        b = _prepared_edit(bob, key, title=title, challenge=f"Challenge {n}")
        answers = race(a, b)
        entry = _entries(acme.id)[0]
        for answer, name, value in zip(
            answers, ("results", "challenge"), (f"Results {n}", f"Challenge {n}"), strict=True
        ):
            assert answer.status_code in (302, 409)
            if answer.status_code == 302:
                assert entry[name] == value, "an edit reported as saved was lost"
    assert not tally[500]


def test_simultaneous_adds_keep_both(pair, acme):
    alice, bob = pair
    for n in range(4):
        ta, tb = csrf_token(alice, NEW), csrf_token(bob, NEW)
        answers = race(
            lambda: alice.post(NEW, data={**study_form(title=f"A{n}"), "csrf_token": ta}),
            lambda: bob.post(NEW, data={**study_form(title=f"B{n}"), "csrf_token": tb}),
        )
        titles = {e["title"] for e in _entries(acme.id)}
        for answer, title in zip(answers, (f"A{n}", f"B{n}"), strict=True):
            assert answer.status_code in (302, 409)
            if answer.status_code == 302:
                assert title in titles


# -- public page and JSON-LD ----------------------------------------------------------------


def _published(acme, user, **values):
    entry = {"title": "Hostile </script><script>alert(1)</script>", **values}
    key = case_studies.add(acme, user, {**study_form(), **entry, "services": ["seo"]})
    assert isinstance(key, str)
    assert profile.publish(acme, user) is not None
    return key


def test_json_ld_lists_case_studies_as_creative_works_and_stays_valid(app, client, acme):
    user = make_user("owner@example.com")
    _published(acme, user, figures=[{"value": "+38 %", "label": "leads"}])
    page = client.get("/en/agencies/acme").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    data = json.loads(_LD.search(page).group(1))
    work = data["subjectOf"][0]
    assert work["@type"] == "CreativeWork"
    assert work["name"].startswith("Hostile </script>")
    assert work["about"] == {"@type": "Thing", "name": "B2B SaaS"}
    assert "+38 % leads" in work["abstract"]
    assert work["keywords"] == "Search engine optimization"


def test_public_page_shows_the_portfolio_in_french(client, acme):
    user = make_user("owner@example.com")
    _published(acme, user)
    page = client.get("/fr/agencies/acme").get_data(as_text=True)
    assert "Études de cas" in page
    assert 'id="case-studies"' in page


def test_deleting_the_agency_deletes_its_case_studies(acme):
    user = make_user("owner@example.com")
    _published(acme, user)
    assert db.session.scalar(select(CaseStudy)) is not None
    db.session.delete(db.session.get(Agency, acme.id))
    db.session.commit()
    assert db.session.scalar(select(CaseStudy)) is None
    assert db.session.scalar(select(AgencyDraft)) is None


# -- import ---------------------------------------------------------------------------------


def _line(**extra) -> dict:
    return {
        "external_id": "x-1",
        "name": "Imported",
        "program": "provider",
        "services": ["seo"],
        "locations": [{"country": "FR", "city": "Lyon"}],
        **extra,
    }


def test_import_record_reads_case_studies():
    record, errors = validate_line(
        _line(
            case_studies=[
                {
                    "title": "Leads x2",
                    "client_or_sector": "Retail",
                    "services": ["seo"],
                    "challenge": "No leads.",
                    "results": "Twice the leads.",
                    "figures": [{"value": "2x", "label": "leads"}],
                }
            ]
        ),
        dt.date(2026, 1, 1),
    )
    assert errors == []
    assert record.case_studies[0]["title"] == "Leads x2"
    assert record.case_studies[0]["figures"] == [{"value": "2x", "label": "leads"}]


@pytest.mark.parametrize(
    "studies, problem",
    [
        ([{}], ("case_studies[0].title", "is required")),
        ([{"title": "ok"}, {"title": 3}], ("case_studies[1].title", "must be a string")),
        ([{"title": "ok", "services": ["nope"]}], ("case_studies[0].services[0]", "unknown")),
        ([{"title": "ok", "figures": [{"value": "2x"}]}], ("case_studies[0].figures[0].label", "")),
        (
            [{"title": "ok", "figures": [{"value": "1", "label": "a"}] * 5}],
            ("case_studies[0].figures", ""),
        ),
        ([{"title": f"t{n}"} for n in range(13)], ("case_studies", "at most 12")),
        ("nope", ("case_studies", "array")),
    ],
)
def test_import_record_reports_line_field_problems(studies, problem):
    record, errors = validate_line(_line(case_studies=studies), dt.date(2026, 1, 1))
    assert record is None
    field, words = problem
    assert any(path == field and words in reason for path, reason in errors), errors


def test_import_ignores_images_with_a_warning():
    record, errors = validate_line(
        _line(case_studies=[{"title": "ok", "image": "https://evil.example/x.png"}]),
        dt.date(2026, 1, 1),
    )
    assert errors == []
    assert ("case_studies[0].image", "not imported (upload it in the dashboard)") in record.warnings


@pytest.fixture
def run_import(runner, tmp_path):
    def run(*lines):
        path = tmp_path / "agencies.jsonl"
        path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
        return runner.invoke(args=["import-agencies", str(path)])

    return run


STUDY = {"title": "Leads x2", "services": ["seo"], "figures": [{"value": "2x", "label": "leads"}]}


def _imported() -> list[tuple[str, list]]:
    db.session.expire_all()
    rows = db.session.scalars(select(CaseStudy).order_by(CaseStudy.position))
    return [(s.title, s.figures) for s in rows]


def test_import_writes_replaces_and_keeps_case_studies(run_import):
    result = run_import(_line(case_studies=[STUDY, {**STUDY, "title": "Second"}]))
    assert result.exit_code == 0, result.output
    assert _imported() == [("Leads x2", STUDY["figures"]), ("Second", STUDY["figures"])]
    assert (
        "unchanged 1"
        in run_import(_line(case_studies=[STUDY, {**STUDY, "title": "Second"}])).output
    )
    run_import(_line(name="Renamed"))  # no case_studies: the agency's stay as they are
    assert [t for t, _ in _imported()] == ["Leads x2", "Second"]
    run_import(_line(case_studies=[{"title": "Only one"}]))
    assert _imported() == [("Only one", [])]
    run_import(_line(case_studies=[]))
    assert _imported() == []


def test_import_reports_the_line_and_the_field(run_import):
    result = run_import(_line(), _line(external_id="x-2", case_studies=[STUDY, {"title": ""}]))
    assert "line 2: case_studies[1].title: must not be empty" in result.output


def test_an_oversized_upload_shows_the_form_again_with_the_limit(manager, acme):
    _add(manager, title="Keep me")
    edit = f"{LIST}/{_entries(acme.id)[0]['key']}"
    token = csrf_token(manager, edit)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (7 * 1024 * 1024)
    body = (
        (
            f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--B\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + big
        + b"\r\n--B--\r\n"
    )
    answer = manager.post(edit, data=body, content_type="multipart/form-data; boundary=B")
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert "The file is larger than 5 MB." in page and 'value="Keep me"' in page


def test_demo_data_gives_some_agencies_valid_case_studies_in_french_and_english():
    from directory.services.demo.seed import generate_agencies

    on = dt.date(2026, 6, 1)
    records = list(generate_agencies(120, seed=1, on=on))
    with_studies = [r for r in records if r.get("case_studies")]
    assert 10 < len(with_studies) < 80
    assert all(1 <= len(r["case_studies"]) <= 3 for r in with_studies)
    for record in with_studies:
        _checked, errors = validate_line(record, on)
        assert errors == [], errors
    titles = " ".join(s["title"] for r in with_studies for s in r["case_studies"])
    assert "leads" in titles.lower() and ("pour" in titles or "d’un" in titles)
    featured = next(r for r in records if r["external_id"] == "demo-featured-01")
    assert len(featured["case_studies"]) == 3


def test_a_publication_of_case_studies_meanwhile_is_a_publish_conflict(manager, acme):
    _add(manager, title="Mine")
    # Meanwhile an import (or another publication) changes the published case studies.
    db.session.add(CaseStudy(agency_id=acme.id, key="imported", title="Theirs"))
    db.session.commit()
    answer = _publish(manager)
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "Case studies" in page and "Theirs" in page and "Mine" in page
    assert [s.title for s in db.session.scalars(select(CaseStudy))] == ["Theirs"]


def test_a_draft_from_before_case_studies_still_publishes_them(manager, acme):
    """Drafts saved before this change have no case_studies in payload or base."""
    old = {k: v for k, v in profile.snapshot(acme).items() if k != "case_studies"}
    db.session.add(
        AgencyDraft(
            agency_id=acme.id,
            payload={**old, "tagline": "Old draft"},
            base=old,
            base_version=acme.version,
        )
    )
    db.session.commit()
    assert _add(manager).status_code == 302
    assert _publish(manager).status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, acme.id).tagline == "Old draft"
    assert db.session.scalar(select(CaseStudy.title)) == "Doubling qualified leads"


def test_images_left_by_a_publish_are_purged_by_the_daily_job(client, manager, acme):
    _add(manager, image=(io.BytesIO(_png()), "a.png"))
    _publish(manager)
    old = _entries(acme.id)[0]
    edit = f"{LIST}/{old['key']}"
    base = _BASE.search(manager.get(edit).get_data(as_text=True)).group(1)
    form = study_form(base=base, image=(io.BytesIO(_png(color=(9, 9, 9))), "b.png"))
    _post(manager, edit, form, content_type="multipart/form-data")
    new = _entries(acme.id)[0]["image"]["name"]
    assert case_studies.purge_unused_images(dt.timedelta(0)) == 0  # both still referenced
    _publish(manager)
    assert case_studies.purge_unused_images(dt.timedelta(0)) == 1
    assert client.get(f"/files/{old['image']['name']}").status_code == 404
    assert client.get(f"/files/{new}").status_code == 200
    assert case_studies.purge_unused_images() == 0  # within the grace period: nothing


def test_removing_a_case_study_someone_just_edited_is_refused(pair, acme):
    alice, bob = pair
    _add(alice)
    key = _entries(acme.id)[0]["key"]
    listing = alice.get(LIST).get_data(as_text=True)
    token = re.search(r'name="base" value="([^"]+)"', listing).group(1)
    assert _prepared_edit(bob, key, title="Bob's better title")().status_code == 302
    answer = _post(alice, f"{LIST}/{key}/remove", {"base": token}, follow_redirects=True)
    assert "Someone else changed this case study meanwhile" in answer.get_data(as_text=True)
    assert [e["title"] for e in _entries(acme.id)] == ["Bob's better title"]
