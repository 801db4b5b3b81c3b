"""The ``import-agencies`` command against the import contract (shared/import-format.md)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from directory.db import db
from directory.models import Agency, AgencyTag, Certification, Office, Review, listed_filter
from directory.models.outbox import SearchOutbox
from directory.services.imports import bulk, writer
from directory.services.reviews.ratings import refresh_rating
from tests.support.factories import count_rows

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "data" / "agencies.sample.jsonl"
if not SAMPLE.exists():  # the copy shipped with the tests is preferred
    SAMPLE = HERE.parents[1] / "shared" / "samples" / "agencies.sample.jsonl"


def valid_line(external_id: str = "t-0001", **overrides) -> dict:
    """A complete, valid contract line; keyword arguments replace top-level fields."""
    line = {
        "external_id": external_id,
        "name": "Lumière Test",
        "tagline": "Agence inbound",
        "description": "Nous aidons les PME.\n\nDeuxième paragraphe avec **gras**.",
        "website": "https://test.example",
        "email": "contact@test.example",
        "phone": "+33 4 72 00 00 00",
        "founded": 2014,
        "team_size": "11-50",
        "program": "partner",
        "tier": "gold",
        "languages": ["fr", "en"],
        "services": ["seo", "inbound-marketing"],
        "industries": ["software"],
        "products": ["marketing-hub"],
        "client_sizes": ["small"],
        "min_budget_usd": 5000,
        "hourly_rate_usd": [90, 140],
        "accreditations": ["onboarding"],
        "locations": [
            {"country": "FR", "region": "Auvergne-Rhône-Alpes", "city": "Lyon",
             "lat": 45.76, "lng": 4.83, "headquarters": True},
        ],
        "inbound_certification": {
            "id": "IC-1", "issued_on": "2025-09-01", "expires_on": "2099-09-01"
        },
        "status": "published",
        "reviews": [
            {"external_id": "r-1", "author_name": "Claire M.", "author_company": "Usinor",
             "rating": 5, "quality": 5, "schedule": 4, "cost": 5, "willing_to_refer": 9,
             "title": "Un vrai partenaire", "body": "Rigoureux.", "submitted_on": "2026-03-14"},
        ],
    }  # fmt: skip
    line.update(overrides)
    return line


def jsonl(*lines) -> bytes:
    """Encode dicts as JSON lines; bytes and str pass through as raw lines."""
    out = []
    for line in lines:
        if isinstance(line, bytes):
            out.append(line)
        elif isinstance(line, str):
            out.append(line.encode())
        else:
            out.append(json.dumps(line, ensure_ascii=False).encode())
    return b"\n".join(out) + b"\n"


@pytest.fixture
def run_import(runner, tmp_path):
    """Run the command on ``data`` written to a file; returns the click result."""

    def run(data: bytes, *options: str):
        path = tmp_path / "agencies.jsonl"
        path.write_bytes(data)
        return runner.invoke(args=["import-agencies", *options, str(path)])

    return run


def listed_count() -> int:
    return db.session.scalar(select(func.count(Agency.id)).where(listed_filter()))


def agency(external_id: str) -> Agency:
    db.session.expire_all()
    return db.session.scalar(select(Agency).where(Agency.external_id == external_id))


# The sample file: the contract's done-when checks.


def test_sample_creates_six_and_lists_four(runner):
    result = runner.invoke(args=["import-agencies", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "created 6, updated 0, unchanged 0, failed 0" in result.output
    assert count_rows(Agency) == 6
    # smp-0004's certification expired on 2026-06-01 and smp-0006 is a draft.
    assert listed_count() == 4
    lumiere = agency("smp-0001")
    assert lumiere.slug == "lumiere-digitale"
    assert lumiere.services == ["inbound-marketing", "seo", "marketing-automation"]
    assert lumiere.headquarters.city == "Lyon"
    cert = lumiere.current_certification
    assert (cert.status, cert.verified_by_label) == ("verified", "import")
    assert cert.verified_at is not None
    review = db.session.scalar(select(Review).where(Review.agency_id == lumiere.id))
    assert (review.source, review.status, review.author_email) == ("imported", "approved", None)
    assert lumiere.review_count == 1 and lumiere.rating_avg == 5
    assert lumiere.bayesian_score == pytest.approx((5 * 3.5 + 5) / 6)
    assert agency("smp-0002").bayesian_score == pytest.approx(3.5)  # no reviews: the prior
    sgcn = agency("smp-0004")
    assert sgcn.slug == "societe-generale-de-conseil-numerique"
    assert [o.is_headquarters for o in sgcn.offices] == [True, False]
    brouillon = agency("smp-0006")
    assert brouillon.headquarters.city == "Nantes"  # first location when none is marked
    assert brouillon.headquarters.is_headquarters
    assert count_rows(SearchOutbox) == 6


def test_second_run_is_unchanged_and_writes_nothing(runner):
    runner.invoke(args=["import-agencies", str(SAMPLE)])
    before = {a.external_id: (a.version, a.updated_at) for a in db.session.scalars(select(Agency))}
    outbox = count_rows(SearchOutbox)
    result = runner.invoke(args=["import-agencies", str(SAMPLE)])
    assert result.exit_code == 0
    assert "created 0, updated 0, unchanged 6, failed 0" in result.output
    db.session.expire_all()
    after = {a.external_id: (a.version, a.updated_at) for a in db.session.scalars(select(Agency))}
    assert after == before
    assert count_rows(SearchOutbox) == outbox


def test_reordered_keys_count_as_unchanged(run_import):
    line = valid_line()
    run_import(jsonl(line))
    reordered = dict(reversed(list(line.items())))
    result = run_import(jsonl(reordered))
    assert "unchanged 1" in result.output


def test_stdin_dash(runner):
    result = runner.invoke(args=["import-agencies", "-"], input=SAMPLE.read_bytes())
    assert result.exit_code == 0, result.output
    assert "created 6, updated 0, unchanged 0, failed 0" in result.output


def test_empty_file_imports_nothing(run_import):
    result = run_import(b"")
    assert result.exit_code == 0
    assert "no agency lines" in result.output
    assert "created 0, updated 0, unchanged 0, failed 0" in result.output


def test_blank_lines_and_bom_are_ignored(run_import):
    data = b"\xef\xbb\xbf" + jsonl(valid_line("a-1"), "", "   ", valid_line("a-2"))
    result = run_import(data)
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output


# Updates.


def test_changed_line_updates_that_agency(run_import):
    first = valid_line()
    other = valid_line("t-0002", name="Autre agence")
    run_import(jsonl(first, other))
    before = agency("t-0001")
    version, slug, agency_id = before.version, before.slug, before.id

    changed = copy.deepcopy(first)
    changed.update(name="Lumière Renommée", services=["branding"], tagline=None)
    changed["locations"] = [{"country": "BE", "city": "Bruxelles"}, {"country": "FR"}]
    changed["inbound_certification"]["expires_on"] = "2098-01-01"
    changed["reviews"][0]["rating"] = 3
    changed["reviews"].append(
        {"external_id": "r-2", "author_name": "Paul", "rating": 4, "submitted_on": "2026-01-02"}
    )
    result = run_import(jsonl(changed, other))
    assert result.exit_code == 0, result.output
    assert "created 0, updated 1, unchanged 1, failed 0" in result.output

    after = agency("t-0001")
    assert after.id == agency_id
    assert after.slug == slug  # URLs and badges stay stable across renames
    assert after.name == "Lumière Renommée"
    assert after.tagline is None
    assert after.services == ["branding"]
    assert after.industries == ["software"]
    assert [(o.country, o.is_headquarters) for o in after.offices] == [("BE", True), ("FR", False)]
    assert after.version == version + 1
    assert [c.expires_on for c in after.certifications] == [dt.date(2098, 1, 1)]
    reviews = db.session.scalars(select(Review).where(Review.agency_id == agency_id)).all()
    assert sorted((r.external_id, r.rating) for r in reviews) == [("r-1", 3), ("r-2", 4)]
    assert after.review_count == 2 and after.rating_avg == 3.5


def test_moderator_rejection_survives_reimport(run_import):
    line = valid_line()
    run_import(jsonl(line))
    review = db.session.scalar(select(Review))
    review.status = "rejected"
    db.session.commit()
    line["reviews"][0]["body"] = "Edited upstream."
    run_import(jsonl(line))
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert (review.body, review.status) == ("Edited upstream.", "rejected")
    assert agency("t-0001").review_count == 0


def test_same_external_id_twice_in_one_file_last_wins(run_import):
    result = run_import(jsonl(valid_line(name="First"), valid_line(name="Second")))
    assert "created 1, updated 1, unchanged 0, failed 0" in result.output
    assert agency("t-0001").name == "Second"


# Slugs.


def test_slug_is_derived_transliterated_and_unique(run_import, factory):
    factory.agency(slug="societe-generale-conseil")
    name = "Société Générale Conseil"
    result = run_import(
        jsonl(valid_line("s-1", name=name), valid_line("s-2", name=name),
              valid_line("s-3", name="東京デジタル"), valid_line("s-4", name="!!!"))
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert agency("s-1").slug == "societe-generale-conseil-2"
    assert agency("s-2").slug == "societe-generale-conseil-3"  # collision inside one batch
    assert agency("s-3").slug.isascii() and len(agency("s-3").slug) >= 2
    assert agency("s-4").slug == "agency"


def test_taken_slug_gets_a_suffix_and_a_warning(run_import, factory):
    factory.agency(slug="taken")
    result = run_import(jsonl(valid_line(slug="taken")))
    assert result.exit_code == 0
    assert "line 1: warning: slug: 'taken' is taken; stored as 'taken-2'" in result.output
    assert agency("t-0001").slug == "taken-2"


# Hostile lines: each reported with line and field, nothing stored, non-zero exit.

MARKUP = "<script>alert(1)</script>"
TEXT_FIELDS = ["name", "tagline", "description", "phone"]
LOCATION_FIELDS = ["city", "region"]
REVIEW_FIELDS = ["author_name", "author_company", "title", "body"]


def _with(path: str, value) -> dict:
    """A valid line with one field, addressed like the error messages, replaced."""
    line = valid_line("bad")
    target, key = line, path
    if "." in path:
        head, key = path.split(".")
        name, index = head.rstrip("]").split("[")
        target = line[name][int(index)]
    target[key] = value
    return line


HOSTILE = [
    (b'{"external_id": "bad", "name": ', "", "invalid JSON"),
    (b"[1, 2, 3]", "", "expected a JSON object, got array"),
    (b'{"external_id": "bad\xff", "name": "x"}', "", "not valid UTF-8"),
    (b'{"external_id": "bad", "founded": NaN}', "", "invalid JSON"),
    (_with("founded", "2014"), "founded", "must be an integer, not string"),
    (_with("founded", True), "founded", "must be an integer, not boolean"),
    (_with("founded", 1700), "founded", "between 1800 and"),
    (_with("founded", dt.date.today().year + 1), "founded", "between 1800 and"),
    (_with("min_budget_usd", -5), "min_budget_usd", "between 0 and"),
    (_with("min_budget_usd", 10**12), "min_budget_usd", "between 0 and"),
    (_with("hourly_rate_usd", [200, 100]), "hourly_rate_usd", "low is above high"),
    (_with("hourly_rate_usd", [True, 100]), "hourly_rate_usd", "must be [low, high]"),
    (_with("services", "seo"), "services", "must be an array, not string"),
    (_with("services", []), "services", "at least one"),
    (_with("services", ["seo", "underwater-basket"]), "services[1]", "unknown slug"),
    (_with("industries", ["space"]), "industries[0]", "unknown slug"),
    (_with("languages", ["xx"]), "languages[0]", "unknown language code 'xx'"),
    (_with("languages", ["FR"]), "languages[0]", "unknown language code"),
    (_with("program", "reseller"), "program", "unknown value 'reseller'"),
    (_with("program", None), "program", "is required"),
    (_with("tier", "bronze"), "tier", "unknown value"),
    (valid_line("bad", program="provider", tier="gold"), "tier", "only partners have a tier"),
    (_with("team_size", "12"), "team_size", "unknown value"),
    (_with("status", "deleted"), "status", "unknown value"),
    (_with("name", ""), "name", "must not be empty"),
    (_with("name", "x" * 121), "name", "too long"),
    (_with("name", 42), "name", "must be a string, not integer"),
    (_with("name", "Null\x00byte"), "name", "control characters"),
    (_with("name", "Two\nlines"), "name", "control characters"),
    (_with("name", "evil\u202eeman"), "name", "control characters"),
    (_with("description", "x" * 5001), "description", "too long"),
    (_with("website", "javascript:alert(1)"), "website", "http:// or https://"),
    (_with("website", "ftp://files.example"), "website", "http:// or https://"),
    (_with("website", "https://user:pw@evil.example"), "website", "http:// or https://"),
    (_with("email", "not-an-email"), "email", "is not an email address"),
    (_with("phone", "call me maybe"), "phone", "must be digits"),
    (_with("slug", "Bad Slug!"), "slug", "must match"),
    (_with("slug", "a"), "slug", "must match"),
    (_with("locations", []), "locations", "at least one"),
    (_with("locations[0].country", "XX"), "locations[0].country", "unknown country code 'XX'"),
    (_with("locations[0].country", "fr"), "locations[0].country", "unknown country code"),
    (_with("locations[0].lat", "45.7"), "locations[0].lat", "must be a number"),
    (_with("locations[0].lat", 91), "locations[0].lat", "between -90 and 90"),
    (_with("locations[0].headquarters", 1), "locations[0].headquarters", "true or false"),
    (valid_line("bad", locations=[{"country": "FR", "headquarters": True},
                                  {"country": "BE", "headquarters": True}]),
     "locations", "2 locations are marked headquarters"),
    (_with("inbound_certification", "IC-1"), "inbound_certification", "must be an object"),
    (valid_line("bad", inbound_certification={"id": "IC", "issued_on": "2025/01/01",
                                              "expires_on": "2027-01-01"}),
     "inbound_certification.issued_on", "must be a date YYYY-MM-DD"),
    (valid_line("bad", inbound_certification={"id": "IC", "issued_on": "2025-02-30",
                                              "expires_on": "2027-01-01"}),
     "inbound_certification.issued_on", "not a real date"),
    (valid_line("bad", inbound_certification={"id": "IC", "issued_on": "2027-01-01",
                                              "expires_on": "2025-01-01"}),
     "inbound_certification.expires_on", "is before issued_on"),
    (_with("reviews[0].rating", 6), "reviews[0].rating", "between 1 and 5"),
    (_with("reviews[0].rating", True), "reviews[0].rating", "not boolean"),
    (_with("reviews[0].willing_to_refer", 11), "reviews[0].willing_to_refer", "between 0 and 10"),
    (_with("reviews[0].submitted_on", "2999-01-01"), "reviews[0].submitted_on", "in the future"),
    (valid_line("bad", reviews=[valid_line()["reviews"][0]] * 2),
     "reviews[1].external_id", "duplicates reviews[0]"),
    *[(_with(f, MARKUP), f, "contains HTML markup") for f in TEXT_FIELDS],
    *[(_with(f"locations[0].{f}", MARKUP), f"locations[0].{f}", "contains HTML markup")
      for f in LOCATION_FIELDS],
    *[(_with(f"reviews[0].{f}", MARKUP), f"reviews[0].{f}", "contains HTML markup")
      for f in REVIEW_FIELDS],
    (_with("description", '<img src=x onerror="alert(1)">'), "description", "HTML markup"),
    (_with("description", "<svg/onload=alert(1)>"), "description", "HTML markup"),
    (_with("tagline", "<!-- comment -->"), "tagline", "HTML markup"),
    (_with("name", "</b>Bold"), "name", "HTML markup"),
    (_with("reviews[0].service", "xyz"), "reviews[0].service", "unknown service 'xyz'"),
    (_with("reviews[0].service", ["seo"]), "reviews[0].service", "must be a string, not array"),
    (_with("reviews[0].service", "SEO"), "reviews[0].service", "unknown service 'SEO'"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "field", "reason"), HOSTILE)
def test_hostile_line_is_reported_and_skipped(run_import, line, field, reason):
    good = valid_line("good")
    result = run_import(jsonl(good, line, valid_line("good-2")))
    assert result.exit_code != 0
    where = f"line 2: {field}: " if field else "line 2: "
    reported = [m for m in result.output.splitlines() if m.startswith(where)]
    assert any(reason in m for m in reported), result.output
    assert "created 2, updated 0, unchanged 0, failed 1" in result.output
    # Nothing half-written: only the two good agencies and their own rows exist.
    assert {a.external_id for a in db.session.scalars(select(Agency))} == {"good", "good-2"}
    assert count_rows(Office) == 2 and count_rows(Certification) == 2 and count_rows(Review) == 2
    assert count_rows(AgencyTag) == 2 * 8


def test_all_hostile_lines_in_one_file(run_import):
    lines = [line for line, _, _ in HOSTILE]
    result = run_import(jsonl(valid_line("good"), *lines), "--max-errors", "0")
    assert result.exit_code == 1
    assert f"created 1, updated 0, unchanged 0, failed {len(lines)}" in result.output
    for number, (_, field, _) in enumerate(HOSTILE, start=2):
        assert f"line {number}: {field}" in result.output
    assert count_rows(Agency) == 1


def test_ten_megabyte_description_is_refused_without_reading_it_whole(run_import):
    huge = _with("description", "A" * 10_000_000)
    result = run_import(jsonl(valid_line("good"), huge, valid_line("after")))
    assert result.exit_code == 1
    assert "line 2: line is longer than 1,000,000 bytes" in result.output
    assert "created 2, updated 0, unchanged 0, failed 1" in result.output


def test_markdown_and_comparisons_are_plain_text(run_import):
    text = "Voir <https://example.com> et **gras**, a < b, 3 > 2, <3 et - une liste"
    result = run_import(jsonl(valid_line(description=text)))
    assert result.exit_code == 0, result.output
    assert agency("t-0001").description == text


def test_no_markup_reaches_the_database(run_import):
    lines = [line for line, field, reason in HOSTILE if "markup" in reason]
    run_import(jsonl(*lines))
    assert count_rows(Agency) == 0 and count_rows(Review) == 0 and count_rows(Office) == 0


def test_unknown_field_is_a_warning_given_once(run_import):
    result = run_import(jsonl(valid_line("a", colour="blue"), valid_line("b", colour="red")))
    assert result.exit_code == 0
    assert "line 1: warning: colour: unknown field, ignored (reported once)" in result.output
    assert "line 2: warning" not in result.output
    assert "created 2" in result.output


def test_batch_refused_by_the_database_is_retried_line_by_line(run_import, monkeypatch):
    original = writer._insert_agencies

    def insert_or_fail(batch, creates):
        if any(item.row.external_id == "boom" for item in creates):
            raise IntegrityError("INSERT", {}, Exception("simulated constraint failure"))
        return original(batch, creates)

    monkeypatch.setattr(writer, "_insert_agencies", insert_or_fail)
    result = run_import(jsonl(valid_line("a"), valid_line("boom"), valid_line("c")))
    assert result.exit_code == 1
    assert "line 2: database refused the line: simulated constraint failure" in result.output
    assert "created 2, updated 0, unchanged 0, failed 1" in result.output
    assert {a.external_id for a in db.session.scalars(select(Agency))} == {"a", "c"}


# Ratings.


def test_refresh_rating_counts_approved_reviews_only(app, factory):
    agency_ = factory.agency()
    factory.review(agency_, rating=5, quality=5, willing_to_refer=10)
    factory.review(agency_, rating=4, quality=3, cost=4)
    factory.review(agency_, rating=1, status="rejected")
    version = agency_.version
    refresh_rating(agency_)
    db.session.commit()
    assert agency_.review_count == 2
    assert agency_.rating_avg == 4.5
    assert agency_.quality_avg == 4
    assert agency_.cost_avg == 4 and agency_.schedule_avg is None
    assert agency_.refer_avg == 10
    assert agency_.bayesian_score == pytest.approx((5 * 3.5 + 9) / 7)
    db.session.expire_all()
    assert agency_.bayesian_score == pytest.approx((5 * 3.5 + 9) / 7)
    assert agency_.version == version  # a new review must not make an open edit form stale


def test_rating_prior_comes_from_config(app, factory):
    app.config.update(RATING_PRIOR_MEAN=3.0, RATING_PRIOR_WEIGHT=2)
    agency_ = factory.agency()
    factory.review(agency_, rating=5)
    refresh_rating(agency_)
    assert agency_.bayesian_score == pytest.approx((2 * 3.0 + 5) / 3)


# The writer thread.


def test_without_the_background_writer_the_result_is_the_same(app):
    from io import BytesIO

    from directory.services.imports.pipeline import import_agencies

    problems = []
    data = jsonl(valid_line("a"), b"{oops", valid_line("b"))
    result = import_agencies(BytesIO(data), problems.append, background=False)
    assert (result.created, result.failed) == (2, 1)
    assert [p.line for p in problems] == [2]
    assert count_rows(Agency) == 2


def test_an_error_in_the_writer_reaches_the_caller(app, monkeypatch):
    from io import BytesIO

    from directory.services.imports import importer, pipeline

    def broken(items, slugs=None):
        raise RuntimeError("bug in the writer")

    monkeypatch.setattr(importer, "write_batch", broken)
    with pytest.raises(RuntimeError, match="bug in the writer"):
        pipeline.import_agencies(BytesIO(jsonl(valid_line())))
    assert count_rows(Agency) == 0


def test_worker_processes_give_the_same_result_in_line_order(app):
    from io import BytesIO

    from directory.services.imports.pipeline import import_agencies

    data = jsonl(
        valid_line("a", colour="blue"), b"{oops", valid_line("b"), _with("founded", 1700),
        valid_line("a", name="Again"), valid_line("c"), b"", valid_line("d"),
    )  # fmt: skip
    problems = []
    result = import_agencies(BytesIO(data), problems.append, workers=1, chunk_lines=2)
    assert (result.created, result.updated, result.unchanged, result.failed) == (4, 1, 0, 2)
    assert [(p.line, p.warning) for p in problems] == [(1, True), (2, False), (4, False)]
    assert agency("a").name == "Again"
    assert count_rows(Agency) == 4 and count_rows(Review) == 4
    again = import_agencies(BytesIO(data), problems.append, workers=1, chunk_lines=2)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 2, 3, 2)


# The writer's statements.


def test_rows_split_across_statements_of_every_size(run_import, monkeypatch):
    # On SQLite several rows go in one INSERT. With at most 9 per statement, the 200 tags
    # of the batch go as 22 statements of 9 rows and 2 of one row, the reviews as 4 + 1…
    monkeypatch.setattr(bulk, "SQLITE_ROWS_PER_INSERT", 9)
    lines = [valid_line(f"m-{n}", name=f"Agence {n}") for n in range(25)]
    for n, line in enumerate(lines):
        line["reviews"] = [
            {**line["reviews"][0], "external_id": f"r-{i}", "rating": 1 + (n + i) % 5}
            for i in range(n % 4)
        ]
    result = run_import(jsonl(*lines))
    assert result.exit_code == 0, result.output
    assert "created 25, updated 0, unchanged 0, failed 0" in result.output
    assert (
        count_rows(AgencyTag) == 25 * 8
        and count_rows(Office) == 25
        and count_rows(Certification) == 25
    )
    assert count_rows(Review) == sum(n % 4 for n in range(25)) and count_rows(SearchOutbox) == 25
    seventh = agency("m-7")
    assert seventh.slug == "agence-7" and seventh.services == ["seo", "inbound-marketing"]
    assert seventh.review_count == 3 and seventh.rating_avg == (3 + 4 + 5) / 3
    ratings = db.session.scalars(select(Review.rating).where(Review.agency_id == seventh.id))
    assert sorted(ratings) == [3, 4, 5]


def test_database_refusal_on_the_fast_path_is_a_line_failure(run_import, monkeypatch):
    # Pretend every slug is free: the second line's INSERT breaks the unique slug, as if a
    # concurrent writer had taken it. Only that line is refused.
    monkeypatch.setattr(writer.SlugAllocator, "_free", lambda *args, **kwargs: True)
    result = run_import(jsonl(valid_line("a", slug="same"), valid_line("b", slug="same")))
    assert result.exit_code == 1
    assert "line 2: database refused the line: " in result.output
    assert "created 1, updated 0, unchanged 0, failed 1" in result.output
    assert {a.external_id for a in db.session.scalars(select(Agency))} == {"a"}


# Lines that are JSON but not objects, and input that is not text (issue 14).


@pytest.mark.parametrize(
    ("value", "kind"), [(b"null", "null"), (b"[]", "array"), (b"7", "integer")]
)
def test_a_line_holding_another_json_value_is_a_line_error(run_import, value, kind):
    result = run_import(jsonl(valid_line("a"), value, valid_line("b")))
    assert result.exit_code == 1
    assert f"line 2: expected a JSON object, got {kind}" in result.output
    assert "created 2, updated 0, unchanged 0, failed 1" in result.output


def test_null_line_is_reported_by_the_worker_processes_too(app):
    from io import BytesIO

    from directory.services.imports.pipeline import import_agencies

    data = jsonl(valid_line("a"), b"null", valid_line("b"), b"", valid_line("c"))
    problems = []
    result = import_agencies(BytesIO(data), problems.append, workers=1, chunk_lines=2)
    assert result.failed == 1 and result.created == 3
    assert [(p.line, p.reason) for p in problems] == [(2, "expected a JSON object, got null")]


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4, "gzip-compressed data"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP archive"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG image"),
        (bytes(range(1, 32)) * 300, "control characters"),
        (b'{"a": 1}\n' + b"\x00" * 50 + b"\n", "NUL bytes"),
    ],
)
def test_binary_input_stops_at_once_with_a_clear_message(run_import, data, what):
    result = run_import(data)
    assert result.exit_code == 2
    assert what in result.output and "not JSON Lines text" in result.output
    assert "line " not in result.output  # no per-line flood
    assert count_rows(Agency) == 0


def test_binary_on_standard_input_is_detected_too(runner):
    result = runner.invoke(args=["import-agencies", "-"], input=b"\x1f\x8b\x08\x00garbage")
    assert result.exit_code == 2
    assert "gzip-compressed data" in result.output


def test_printed_problems_are_capped_with_a_count_of_the_rest(run_import):
    # A Latin-1 file: text, so not refused whole, but every line is a problem.
    data = b"\n".join(b'{"name": "Soci\xe9t\xe9 %d"}' % i for i in range(120)) + b"\n"
    result = run_import(data)
    assert result.exit_code == 1
    lines = [m for m in result.output.splitlines() if m.startswith("line ")]
    assert len(lines) == 50
    assert "... and 70 more problem(s) not shown" in result.output
    assert "failed 120" in result.output


def test_max_errors_zero_prints_every_problem(runner, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"{oops\n" * 60)
    result = runner.invoke(args=["import-agencies", "--max-errors", "0", str(path)])
    assert len([m for m in result.output.splitlines() if m.startswith("line ")]) == 60
    assert "not shown" not in result.output


def test_a_reviews_service_is_stored_and_updated(run_import):
    line = valid_line()
    line["reviews"][0]["service"] = "seo"
    assert run_import(jsonl(line)).exit_code == 0
    assert db.session.scalar(select(Review)).service == "seo"
    line["reviews"][0]["service"] = "branding"  # any known service: the review was about it
    result = run_import(jsonl(line))
    assert "created 0, updated 1, unchanged 0, failed 0" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Review)).service == "branding"
    del line["reviews"][0]["service"]
    assert "updated 1" in run_import(jsonl(line)).output
    db.session.expire_all()
    assert db.session.scalar(select(Review)).service is None
