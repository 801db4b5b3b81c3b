"""The ``seed-demo`` command: deterministic, realistic, valid-by-construction demo data."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from directory.db import db
from directory.geo import continent_of
from directory.models import Agency, AgencyTag, Office, Review, listed_filter
from directory.services.demo import seed as demo_seed
from directory.services.demo.seed import generate_agencies
from directory.taxonomy import INDUSTRIES, SERVICES, TIERS


def listed_count() -> int:
    return db.session.scalar(select(func.count(Agency.id)).where(listed_filter()))


def tag_values(kind: str) -> set[str]:
    return set(db.session.scalars(select(AgencyTag.value).where(AgencyTag.kind == kind)))


def by_slug(slug: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.slug == slug))


def test_generation_is_deterministic():
    first = list(generate_agencies(60, seed=5))
    assert first == list(generate_agencies(60, seed=5))
    assert first != list(generate_agencies(60, seed=6))


def test_small_seed_covers_countries_continents_taxonomy_and_tiers(runner):
    result = runner.invoke(args=["seed-demo", "--count", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "created 120, updated 0, unchanged 0, failed 0" in result.output

    countries = set(db.session.scalars(select(Office.country)))
    assert len(countries) >= 40
    assert {continent_of(c) for c in countries} >= {"EU", "NA", "SA", "AS", "AF", "OC"}
    assert tag_values("service") == set(SERVICES)
    assert tag_values("industry") == set(INDUSTRIES)
    tiers = set(db.session.scalars(select(Agency.tier)))
    assert tiers == {None, *TIERS}
    assert set(db.session.scalars(select(Agency.program))) == {"provider", "partner"}
    assert db.session.scalar(select(func.count(Review.id))) > 120
    # Several offices for some agencies.
    multi = select(Office.agency_id).group_by(Office.agency_id).having(func.count() > 1)
    assert len(db.session.scalars(multi).all()) >= 5

    # Running the same seed again changes nothing: the data goes through the upsert.
    again = runner.invoke(args=["seed-demo", "--count", "120", "--seed", "3"])
    assert "created 0, updated 0, unchanged 120, failed 0" in again.output


def test_featured_agencies_have_stable_slugs(runner):
    result = runner.invoke(args=["seed-demo", "--count", "40", "--seed", "9"])
    assert result.exit_code == 0, result.output
    elite = by_slug("societe-generale-du-numerique")
    assert elite.name == "Société Générale du Numérique"
    assert (elite.tier, elite.headquarters.city, elite.headquarters.country) == (
        "elite", "Lyon", "FR",
    )  # fmt: skip
    assert elite.is_listed() and elite.review_count > 5
    diamond = by_slug("les-artisans-du-web")
    assert (diamond.tier, diamond.headquarters.city) == ("diamond", "Paris")
    assert diamond.is_listed()
    assert by_slug("tokyo-digital").name == "東京デジタル株式会社"
    assert not by_slug("agence-expiree").is_listed()
    assert by_slug("studio-brouillon-demo").status == "draft"
    # "marketing Lyon" has listed marketing agencies in Lyon to find.
    marketing = [slug for slug, term in SERVICES.items() if term.category == "marketing"]
    lyon_marketing = (
        select(func.count(func.distinct(Agency.id)))
        .join(Office, Office.agency_id == Agency.id)
        .join(AgencyTag, AgencyTag.agency_id == Agency.id)
        .where(Office.city == "Lyon", AgencyTag.kind == "service")
        .where(AgencyTag.value.in_(marketing), listed_filter())
    )
    assert db.session.scalar(lyon_marketing) >= 2


def test_texts_are_in_the_language_of_the_country(runner):
    runner.invoke(args=["seed-demo", "--count", "60", "--seed", "4"])

    def agencies_in(country: str) -> list[Agency]:
        stmt = select(Agency).join(Office).where(Office.country == country, Office.is_headquarters)
        return db.session.scalars(stmt).all()

    assert any(" est une agence " in (a.description or "") for a in agencies_in("FR"))
    assert any(" ist eine Agentur " in (a.description or "") for a in agencies_in("DE"))
    japanese = agencies_in("JP")
    assert japanese and all(not a.name.isascii() for a in japanese)


def test_if_empty_does_nothing_when_agencies_exist(runner, factory):
    factory.agency()
    result = runner.invoke(args=["seed-demo", "--count", "10", "--if-empty"])
    assert result.exit_code == 0
    assert "nothing" in result.output
    assert db.session.scalar(select(func.count(Agency.id))) == 1


def test_default_seed_lists_at_least_a_thousand_quickly(runner):
    started = time.perf_counter()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "created 1500" in result.output
    listed = listed_count()
    assert listed >= 1000
    assert 0.85 <= listed / 1500 <= 0.92
    elites = db.session.scalar(select(func.count(Agency.id)).where(Agency.tier == "elite"))
    providers = db.session.scalar(select(func.count(Agency.id)).where(Agency.program == "provider"))
    assert 5 <= elites <= 60 and providers > 600
    assert elapsed < 30


def test_most_demo_reviews_name_one_of_their_agencys_services(monkeypatch):
    agencies = list(generate_agencies(80, seed=4))
    reviews = [(a, r) for a in agencies for r in a.get("reviews", [])]
    named = [(a, r) for a, r in reviews if "service" in r]
    assert 0.7 < len(named) / len(reviews) < 0.9
    assert all(r["service"] in a["services"] for a, r in named)
    # Drawn from a stream of their own: without them, every other demo value is the same.
    monkeypatch.setattr(demo_seed, "_with_review_services", lambda record, seed: record)
    for _, review in named:
        del review["service"]
    assert agencies == list(generate_agencies(80, seed=4))
