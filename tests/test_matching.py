"""Matching: the pure scoring (with a Hypothesis property) and the database-backed proposals."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from directory.services.leads.matching import (
    CANDIDATE_CAP,
    Brief,
    Profile,
    assess,
    candidate_ids,
    match_agencies,
    rank,
    reason_text,
)
from directory.taxonomy import SERVICES, TIERS

SERVICE_SLUGS = sorted(SERVICES)


def profile(id, **fields) -> Profile:
    defaults = {"services": frozenset({"seo"}), "countries": frozenset({"FR"})}
    defaults.update(
        {k: frozenset(v) if isinstance(v, (set, list)) else v for k, v in fields.items()}
    )
    return Profile(id=id, **defaults)


# --- pure scoring ----------------------------------------------------------------------------


def test_full_fit_in_country_and_language_beats_one_missing_the_language():
    brief = Brief(services=("seo", "branding"), country="FR", languages=("fr",))
    full = profile(1, services={"seo", "branding"}, languages={"fr", "en"})
    no_french = profile(2, services={"seo", "branding"}, languages={"en"}, tier="elite",
                        program="partner", accreditations=5)  # fmt: skip
    assert [fit.profile.id for fit in rank(brief, [no_french, full])] == [1, 2]


def test_location_same_country_then_same_region_then_elsewhere():
    brief = Brief(services=("seo",), country="FR")
    paris = profile(1, countries={"FR"})
    berlin = profile(2, countries={"DE"})
    boston = profile(3, countries={"US"})
    multi = profile(4, countries={"US", "FR"})  # any office counts
    ranked = [fit.profile.id for fit in rank(brief, [boston, berlin, paris, multi])]
    assert ranked[:2] in ([1, 4], [4, 1]) and ranked[2:] == [2, 3]


def test_among_equal_fit_the_higher_tier_then_more_accreditations_first():
    brief = Brief(services=("seo",))
    gold = profile(1, program="partner", tier="gold")
    elite = profile(2, program="partner", tier="elite")
    provider = profile(3)
    elite_accredited = profile(4, program="partner", tier="elite", accreditations=2)
    ranked = [fit.profile.id for fit in rank(brief, [provider, gold, elite, elite_accredited])]
    assert ranked == [4, 2, 1, 3]


def test_budget_industry_size_and_products_add_to_the_fit():
    brief = Brief(
        services=("seo",),
        industry="healthcare",
        budget_band="10k-25k",
        company_size="enterprise",
        products=("sales-hub",),
    )
    good = profile(
        1,
        industries={"healthcare"},
        min_budget_usd=25_000,  # at the band's upper bound: fits
        client_sizes={"enterprise"},
        products={"sales-hub"},
    )
    pricey = profile(2, industries={"healthcare"}, min_budget_usd=30_000)
    assert [fit.profile.id for fit in rank(brief, [pricey, good])] == [1, 2]
    codes = {reason["code"] for reason in assess(brief, good).reasons}
    assert {"services", "industry", "budget", "client_size", "products"} <= codes
    assert "budget" not in {r["code"] for r in assess(brief, pricey).reasons}


def test_agencies_covering_no_requested_service_are_never_proposed():
    brief = Brief(services=("seo",))
    assert rank(brief, [profile(1, services={"branding"})]) == []


def test_at_most_five_proposals():
    brief = Brief(services=("seo",))
    assert len(rank(brief, [profile(n) for n in range(1, 20)])) == 5


def test_reasons_read_as_sentences(app):
    brief = Brief(services=("seo", "branding", "training"), country="FR", languages=("fr",))
    fit = assess(brief, profile(1, services={"seo", "branding", "training"}, languages={"fr"},
                                program="partner", tier="elite"))  # fmt: skip
    texts = [reason_text(reason) for reason in fit.reasons]
    assert "Offers Search engine optimization, Branding, Training" in texts
    assert "Office in France" in texts
    assert "Works in French" in texts
    assert "Elite partner" in texts
    # The place that matched is named when the office has a city.
    offices = {"countries": {"US", "DE"}, "cities": (("US", "Austin"), ("DE", "Berlin"))}
    city = assess(Brief(services=("seo",), region="EU"), profile(2, **offices))
    assert "Office in Berlin, Germany (Europe)" in [reason_text(r) for r in city.reasons]
    # Reasons stored by earlier versions (no service names) still read.
    assert reason_text({"code": "services", "covered": 2, "total": 3}) == "Covers 2 of 3 services"


profiles_strategy = st.builds(
    Profile,
    id=st.integers(1, 10_000),
    services=st.frozensets(st.sampled_from(SERVICE_SLUGS[:6]), min_size=1),
    languages=st.frozensets(st.sampled_from(["en", "fr", "de"])),
    countries=st.frozensets(st.sampled_from(["FR", "DE", "US", "JP"]), min_size=1),
    program=st.just("partner"),
    tier=st.sampled_from([None, *TIERS]),
    accreditations=st.integers(0, 3),
)


@settings(max_examples=200, deadline=None)
@given(
    base=profiles_strategy,
    services=st.lists(st.sampled_from(SERVICE_SLUGS[:6]), min_size=1, max_size=3, unique=True),
    language=st.sampled_from(["en", "fr", "de"]),
    country=st.sampled_from(["FR", "DE", "US", "JP"]),
    rival_tier=st.sampled_from([None, *TIERS]),
    rival_accreditations=st.integers(0, 5),
)
def test_property_missing_the_language_always_ranks_below(
    base, services, language, country, rival_tier, rival_accreditations
):
    brief = Brief(services=tuple(services), country=country, languages=(language,))
    full = dataclasses.replace(
        base,
        services=base.services | set(services),
        languages=base.languages | {language},
        countries=base.countries | {country},
    )
    # Same agency without the language, however high its tier and accreditations.
    rival = dataclasses.replace(
        full,
        id=full.id + 10_001,
        languages=full.languages - {language},
        tier=rival_tier,
        accreditations=rival_accreditations,
    )
    assert assess(brief, full).score > assess(brief, rival).score
    assert [fit.profile.id for fit in rank(brief, [rival, full])] == [full.id, rival.id]
    # Removing a requested criterion never raises the fit.
    assert assess(brief, base).score <= assess(brief, full).score


# --- proposals from the database -------------------------------------------------------------


def test_unlisted_agencies_are_never_proposed(app, factory):
    listed = factory.agency(services=["seo"])
    factory.agency(services=["seo"], listed=False, program="partner", tier="elite")
    factory.agency(services=["seo"], status="suspended")
    factory.agency(services=["seo"], status="draft")
    proposals = match_agencies(Brief(services=("seo",)))
    assert [p.agency.id for p in proposals] == [listed.id]


def test_database_ranking_uses_location_language_and_tier(app, factory):
    right = factory.agency(services=["seo", "branding"], languages=["fr"],
                           offices=[{"country": "FR", "city": "Lyon"}])  # fmt: skip
    no_language = factory.agency(services=["seo", "branding"], languages=["en"],
                                 offices=[{"country": "FR", "city": "Paris"}])  # fmt: skip
    elsewhere = factory.agency(services=["seo", "branding"], languages=["fr"],
                               offices=[{"country": "CA", "city": "Montréal"}])  # fmt: skip
    partial = factory.agency(services=["seo"], languages=["fr"], program="partner", tier="elite")
    factory.agency(services=["branding", "seo"], languages=["fr"], listed=False)
    factory.agency(services=["training"], languages=["fr"])

    brief = Brief(services=("seo", "branding"), country="FR", languages=("fr",))
    ids = [p.agency.id for p in match_agencies(brief)]
    assert ids[0] == right.id
    assert ids.index(right.id) < ids.index(no_language.id)
    assert set(ids) == {right.id, no_language.id, elsewhere.id, partial.id}


def test_equal_fit_higher_tier_first_in_the_database(app, factory):
    gold = factory.agency(services=["seo"], program="partner", tier="gold")
    diamond = factory.agency(services=["seo"], program="partner", tier="diamond")
    provider = factory.agency(services=["seo"])
    ids = [p.agency.id for p in match_agencies(Brief(services=("seo",)))]
    assert ids == [diamond.id, gold.id, provider.id]


def test_candidate_prefilter_keeps_the_best_located_under_the_cap(app, factory):
    brief = Brief(services=("seo",), country="JP")
    for _ in range(4):
        factory.agency(services=["seo"], program="partner", tier="elite",
                       offices=[{"country": "US"}])  # fmt: skip
    tokyo = factory.agency(services=["seo"], offices=[{"country": "JP", "city": "Tokyo"}])
    assert candidate_ids(brief, cap=1) == [tokyo.id]
    assert len(candidate_ids(brief)) == 5 <= CANDIDATE_CAP
    assert candidate_ids(Brief(services=())) == []
