"""One contract for every search backend: what a visitor gets back, whichever engine answers.

The ``backend`` fixture runs each test on the embedded engine and, when ``MEILI_URL`` is set
(``-m meili``), on Meilisearch with a fresh index per test. Documents come from the real
builder (``search.documents``), so the listing rule and the schema are part of the contract.
"""

from __future__ import annotations

import datetime as dt

import pytest

from directory.db import db, today
from directory.search.base import SearchQuery, SearchResult
from directory.search.documents import build_documents
from directory.search.embedded import EmbeddedBackend

LYON = (45.764, 4.8357)
PARIS = (48.8566, 2.3522)
BERLIN = (52.52, 13.405)


@pytest.fixture(params=["embedded", pytest.param("meilisearch", marks=pytest.mark.meili)])
def backend(request, app, tmp_path):
    """An empty index on each engine (settings applied), removed after the test.

    Overrides conftest's ``backend`` (a Meilisearch on a scripted server) in this module.
    """
    if request.param == "embedded":
        engine = EmbeddedBackend(tmp_path / "contract-index")
    else:
        engine = request.getfixturevalue("meili_live")  # conftest: skipped without MEILI_URL
    engine.apply_settings()
    return engine


def index(backend, *agencies) -> None:
    """Index these agencies through the document builder (unlisted ones are deleted)."""
    docs, missing = build_documents([a.id for a in agencies])
    if docs:
        backend.upsert(docs)
    if missing:
        backend.delete(missing)


def search(backend, text: str = "", **kwargs) -> SearchResult:
    result = backend.search(SearchQuery(text=text, **kwargs))
    assert isinstance(result, SearchResult)
    return result


def ids(result: SearchResult) -> list[int]:
    return [hit.id for hit in result.hits]


def office(city: str, country: str, point: tuple[float, float] | None = None) -> dict:
    lat, lng = point if point else (None, None)
    return {"city": city, "country": country, "lat": lat, "lng": lng}


# -- ranking policy ------------------------------------------------------------------------


TIERS = [
    ("partner", "elite"),
    ("partner", "diamond"),
    ("partner", "platinum"),
    ("partner", "gold"),
    ("partner", None),
    ("provider", None),
]


@pytest.mark.parametrize("text", ["", "seo"])
def test_tier_orders_equally_relevant_agencies(backend, factory, text):
    # Created lowest tier first, so insertion order never explains the result.
    agencies = [
        factory.agency(name=f"Agency {tier or program}", program=program, tier=tier)
        for program, tier in reversed(TIERS)
    ]
    index(backend, *agencies)
    expected = [a.id for a in reversed(agencies)]
    assert ids(search(backend, text)) == expected


def test_quality_breaks_ties_within_a_tier(backend, factory):
    low = factory.agency(name="Low", program="partner", tier="gold", bayesian_score=3.9)
    high = factory.agency(name="High", program="partner", tier="gold", bayesian_score=4.6)
    index(backend, low, high)
    assert ids(search(backend)) == [high.id, low.id]
    assert ids(search(backend, "seo")) == [high.id, low.id]


def test_relevance_beats_tier(backend, factory):
    gold = factory.agency(
        name="Gold Shop",
        program="partner",
        tier="gold",
        services=["inbound-marketing"],
        offices=[office("Lyon", "FR")],
    )
    elite = factory.agency(
        name="Elite Shop",
        program="partner",
        tier="elite",
        services=["inbound-marketing"],
        offices=[office("Paris", "FR")],
    )
    index(backend, gold, elite)
    result = search(backend, "inbound marketing lyon")
    assert ids(result)[0] == gold.id


def test_name_match_beats_description_match(backend, factory):
    in_description = factory.agency(
        name="North Studio", description="We love Zephyrine projects.", program="partner",
        tier="elite",
    )  # fmt: skip
    in_name = factory.agency(name="Zephyrine Digital")
    index(backend, in_description, in_name)
    assert ids(search(backend, "zephyrine")) == [in_name.id, in_description.id]


def test_markting_lyon_finds_marketing_agencies_in_lyon(backend, factory):
    lyon = factory.agency(
        name="Rhône Growth", services=["inbound-marketing"], offices=[office("Lyon", "FR")]
    )
    paris = factory.agency(
        name="Seine Growth", services=["inbound-marketing"], offices=[office("Paris", "FR")]
    )
    other = factory.agency(
        name="Rhône Code", services=["custom-development"], offices=[office("Lyon", "FR")]
    )
    index(backend, lyon, paris, other)
    result = search(backend, "markting lyon")
    # Every word is needed while some agency has them all: not Paris, not the Lyon coders.
    assert ids(result) == [lyon.id]
    assert result.total == 1 and result.relaxed is False


# -- all words preferred, fewer accepted when all give nothing ----------------------------------


def test_all_words_are_required_when_some_agency_has_them_all(backend, factory):
    both = factory.agency(name="Nimbus Analytics", offices=[office("Lyon", "FR")])
    first_only = factory.agency(name="Nimbus Studio", offices=[office("Paris", "FR")])
    second_only = factory.agency(name="Cirrus Analytics", offices=[office("Lyon", "FR")])
    index(backend, both, first_only, second_only)
    result = search(backend, "nimbus analytics")
    assert ids(result) == [both.id]
    assert result.total == 1 and result.relaxed is False
    assert result.facets["city"] == {"FR:Lyon": 1}  # facet counts follow the same rule


def test_the_most_common_word_is_dropped_first_not_the_last(backend, factory):
    # "studio" is in three names, "nimbus" in two, "cloud" in one: none has all three words.
    studios = [factory.agency(name=f"{w} Studio") for w in ("Nimbus", "Cirrus", "Stratus")]
    cloud = factory.agency(name="Nimbus Cloud")
    index(backend, *studios, cloud)
    result = search(backend, "studio nimbus cloud")
    # Dropping from the end would answer "studio nimbus" (Nimbus Studio): the least
    # informative word goes first, leaving "nimbus cloud".
    assert ids(result) == [cloud.id]
    assert result.relaxed is True and result.ignored == ("studio",)
    # Frequencies count within the filters: in Lyon, "cloud" matches nothing and goes first.
    lyon = [
        factory.agency(name=n, offices=[office("Lyon", "FR")])
        for n in ("Nimbus One", "Nimbus Two", "Nimbus Studio Lyon")
    ]
    index(backend, *lyon)
    filtered = search(backend, "nimbus studio cloud", filters={"city": ("FR:Lyon",)})
    assert ids(filtered) == [lyon[2].id] and filtered.ignored == ("cloud",)


def test_fewer_words_are_accepted_when_all_give_nothing(backend, factory):
    nimbus = factory.agency(name="Nimbus Studio", offices=[office("Paris", "FR")])
    cirrus = factory.agency(name="Cirrus Analytics")
    index(backend, nimbus, cirrus)
    # "zzyzx" matches nothing: it is dropped, "nimbus" alone must match.
    result = search(backend, "nimbus zzyzx")
    assert ids(result) == [nimbus.id]
    assert result.total == 1 and result.relaxed is True and result.ignored == ("zzyzx",)
    # Wherever the word matching nothing stands: the first word is not kept for its place.
    first = search(backend, "zzyzx analytics")
    assert ids(first) == [cirrus.id] and first.ignored == ("zzyzx",)
    # With a filter nothing passes, all words or not: no relaxation shows other agencies.
    filtered = search(backend, "nimbus studio", filters={"country": ("DE",)})
    assert filtered.total == 0 and filtered.relaxed is False


# -- typo tolerance, accents, prefix -----------------------------------------------------------


def test_stop_words_match_nothing_themselves(backend, factory):
    # Meilisearch does not match stop words ("for", "the", "de"…) inside a query; the embedded
    # engine agrees. (A query of one stop word alone is left out: see docs/search.md.)
    formation = factory.agency(name="Hubspot Formation")
    plain = factory.agency(name="Hubspot Plain")
    good = factory.agency(name="For Good")
    index(backend, formation, plain, good)
    assert ids(search(backend, "hubspot for")) == [formation.id]  # a prefix: "formation"
    assert sorted(ids(search(backend, "hubspot for "))) == sorted([formation.id, plain.id])
    assert sorted(ids(search(backend, "for hubspot"))) == sorted([formation.id, plain.id])


def test_typo_rules(backend, factory):
    quantify = factory.agency(name="Quantify Labs")
    brightwave = factory.agency(name="Brightwave Media")
    kiwo = factory.agency(name="Kiwo Studio")
    index(backend, quantify, brightwave, kiwo)
    assert ids(search(backend, "quamtify labs")) == [quantify.id]  # 8 letters: 1 typo
    # Every word is needed (relax=False): a word beyond its typo budget matches nothing.
    strict = {"relax": False}
    assert ids(search(backend, "quamtifi labs", **strict)) == []  # 2 typos on 8 letters: no
    assert ids(search(backend, "brigthwavx media")) == [brightwave.id]  # 10 letters: 2 typos
    assert ids(search(backend, "kiwi studio", **strict)) == []  # 4 letters: no typo allowed


def test_accents_and_case_are_ignored(backend, factory):
    societe = factory.agency(name="Société Générale Conseil")
    index(backend, societe)
    for text in ("societe", "SOCIÉTÉ générale", "Societe Generale Conseil"):
        assert ids(search(backend, text)) == [societe.id], text


def test_prefix_on_the_last_word_only(backend, factory):
    brightwave = factory.agency(name="Brightwave Media")
    index(backend, brightwave)
    assert ids(search(backend, "brightw")) == [brightwave.id]
    assert ids(search(backend, "media brightw")) == [brightwave.id]
    # A middle word is not a prefix: with every word needed, "brightw media" finds nothing.
    assert ids(search(backend, "brightw media", relax=False)) == []


def test_french_and_english_labels_and_synonyms(backend, factory):
    seo = factory.agency(name="Alpha", services=["seo"])
    ads = factory.agency(name="Beta", services=["paid-advertising"])
    shop = factory.agency(name="Gamma", services=["ecommerce-website"])
    brand = factory.agency(name="Delta", services=["branding"])
    index(backend, seo, ads, shop, brand)
    # Same best answer in either language (synonyms may add weaker matches after it).
    assert ids(search(backend, "seo"))[0] == seo.id
    assert ids(search(backend, "référencement naturel"))[0] == seo.id
    assert brand.id not in ids(search(backend, "référencement naturel"))
    assert ids(search(backend, "referencement naturel"))[0] == seo.id
    assert ids(search(backend, "search engine optimization"))[0] == seo.id
    assert set(ids(search(backend, "e-commerce"))) == {shop.id}
    assert set(ids(search(backend, "commerce en ligne"))) == {shop.id}
    assert set(ids(search(backend, "google ads"))) == {ads.id}
    assert ids(search(backend, "paid advertising"))[0] == ads.id
    assert ids(search(backend, "publicité payante"))[0] == ads.id
    assert ids(search(backend, "image de marque"))[0] == brand.id


# -- filters, facets, totals ---------------------------------------------------------------


@pytest.fixture
def four(backend, factory):
    """Four agencies over two countries, three cities and two services."""
    rows = {
        "paris_seo": factory.agency(services=["seo"], offices=[office("Paris", "FR")]),
        "lyon_seo": factory.agency(services=["seo"], offices=[office("Lyon", "FR")]),
        "berlin_brand": factory.agency(services=["branding"], offices=[office("Berlin", "DE")]),
        "lyon_brand": factory.agency(services=["branding"], offices=[office("Lyon", "FR")]),
    }
    index(backend, *rows.values())
    return rows


def test_filters_or_within_and_across_facets(backend, four):
    assert search(backend, filters={"country": ("FR",)}).total == 3
    assert search(backend, filters={"service": ("seo", "branding")}).total == 4
    both = search(backend, filters={"country": ("FR",), "service": ("branding",)})
    assert ids(both) == [four["lyon_brand"].id]
    assert search(backend, filters={"world_region": ("EU",)}).total == 4
    assert search(backend, filters={"category": ("web-design",)}).total == 0


def test_facet_counts_are_disjunctive(backend, four):
    result = search(backend, filters={"country": ("FR",), "service": ("seo",)})
    assert result.total == 2
    assert result.facets["country"] == {"FR": 2}
    assert result.facets["service"] == {"branding": 1, "seo": 2}
    assert result.facets["city"] == {"FR:Lyon": 1, "FR:Paris": 1}
    browse = search(backend)
    assert browse.facets["country"] == {"DE": 1, "FR": 3}
    assert browse.facets["category"] == {"marketing": 4}


def test_selected_values_stay_with_zero(backend, four):
    result = search(backend, filters={"city": ("FR:Nice",)})
    assert result.total == 0
    assert result.facets["city"]["FR:Nice"] == 0
    assert result.facets["city"]["FR:Lyon"] == 2


def test_min_rating_uses_rating_avg(backend, factory):
    good = factory.agency(rating_avg=4.5, review_count=3, bayesian_score=4.0)
    fair = factory.agency(rating_avg=3.9, review_count=3, bayesian_score=3.8)
    unrated = factory.agency()
    index(backend, good, fair, unrated)
    assert ids(search(backend, min_rating=4.0)) == [good.id]
    counts = search(backend).rating_counts
    assert counts["4"] == 1 and counts["3.5"] == 2


def test_exact_totals_and_pages(backend, factory):
    agencies = [factory.agency(commit=False) for _ in range(25)]
    db.session.commit()
    index(backend, *agencies)
    seen = []
    for page in (1, 2, 3):
        result = search(backend, "seo", page=page, per_page=10)
        assert result.total == 25
        seen.extend(ids(result))
    assert len(seen) == 25 and set(seen) == {a.id for a in agencies}
    beyond = search(backend, "seo", page=4, per_page=10)
    assert beyond.hits == [] and beyond.total == 25


# -- sorts -----------------------------------------------------------------------------------


def test_sorts(backend, factory):
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    a = factory.agency(
        name="beta", bayesian_score=4.1, review_count=30, created_at=base,
        offices=[office("Paris", "FR", PARIS)], program="partner", tier="elite",
    )  # fmt: skip
    b = factory.agency(
        name="Alpha", bayesian_score=4.7, review_count=2, created_at=base + dt.timedelta(days=2),
        offices=[office("Berlin", "DE", BERLIN)],
    )  # fmt: skip
    c = factory.agency(
        name="Élan", bayesian_score=3.2, review_count=9, created_at=base + dt.timedelta(days=1),
        offices=[office("Lyon", "FR", LYON)],
    )  # fmt: skip
    d = factory.agency(
        name="Zulu", bayesian_score=2.0, review_count=0, created_at=base - dt.timedelta(days=1),
        offices=[office("Nowhere", "FR")],
    )  # fmt: skip
    index(backend, a, b, c, d)
    assert ids(search(backend, sort="rating")) == [b.id, a.id, c.id, d.id]
    assert ids(search(backend, sort="reviews")) == [a.id, c.id, b.id, d.id]
    assert ids(search(backend, sort="name")) == [b.id, a.id, c.id, d.id]
    assert ids(search(backend, sort="newest")) == [b.id, c.id, a.id, d.id]
    near = search(backend, sort="distance", near=LYON)
    assert ids(near) == [c.id, a.id, b.id, d.id]  # no coordinates: last
    assert near.hits[0].distance_km < 1
    assert 380 < near.hits[1].distance_km < 400
    # An explicit sort beats tier; relevance stays the default.
    assert ids(search(backend, "seo", sort="rating"))[0] == b.id
    assert ids(search(backend, "seo"))[0] == a.id


# -- listing rule, deletes ---------------------------------------------------------------------


def test_unlisted_agencies_are_never_indexed(backend, factory):
    listed = factory.agency(name="Listed Lumen")
    pending = factory.agency(name="Pending Lumen", listed=False)
    expired = factory.agency(name="Expired Lumen", certified_until=today() - dt.timedelta(days=1))
    draft = factory.agency(name="Draft Lumen", status="draft")
    suspended = factory.agency(name="Suspended Lumen", status="suspended")
    index(backend, listed, pending, expired, draft, suspended)
    assert ids(search(backend, "lumen")) == [listed.id]
    assert backend.count() == 1
    docs, missing = build_documents([listed.id, pending.id, expired.id, draft.id, 10**9])
    assert [d["id"] for d in docs] == [listed.id]
    assert set(missing) == {pending.id, expired.id, draft.id, 10**9}


def test_deletes(backend, factory):
    keep = factory.agency(name="Keep Orchid")
    drop = factory.agency(name="Drop Orchid")
    index(backend, keep, drop)
    assert backend.count() == 2
    backend.delete([drop.id, 10**9])
    assert ids(search(backend, "orchid")) == [keep.id]
    assert backend.count() == 1
    assert set(backend.stamps()) == {keep.id}


def test_updates_replace_the_document(backend, factory):
    agency = factory.agency(name="Old Heron")
    index(backend, agency)
    agency.name = "New Egret"
    db.session.commit()
    index(backend, agency)
    assert ids(search(backend, "heron")) == []
    assert ids(search(backend, "egret")) == [agency.id]
    assert backend.count() == 1


# -- highlights and hostile input ----------------------------------------------------------------


def test_highlights_are_escaped_marks(backend, factory):
    agency = factory.agency(name="<b>Bold</b> Brightwave", tagline="Brightwave & friends")
    index(backend, agency)
    hit = search(backend, "brightwave").hits[0]
    assert "<mark>Brightwave</mark>" in hit.highlights["name"]
    assert "&lt;b&gt;" in hit.highlights["name"] and "<b>" not in hit.highlights["name"]
    assert "&amp;" in hit.highlights["tagline"]


HOSTILE = [
    '"seo',
    '"seo" "',
    "tier = elite OR 1=1",
    'service = "seo" AND tier = "elite"',
    "' OR 1=1 --",
    "-seo",
    "\x00\x01\x1f\x7f seo \u200b",
    "a" * 10_240,
    "seo " * 2_000,
    "🙂 emoji ✓",
    "<script>alert(1)</script>",
    "*",
    "\\",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_never_breaks_search(backend, factory, text):
    agency = factory.agency(name="Plain Agency")
    index(backend, agency)
    result = search(backend, text[:10_240])
    assert result.total >= 0


def test_hostile_filter_values_only_narrow(backend, factory):
    agency = factory.agency(name="Plain Agency")
    index(backend, agency)
    values = ('"; DROP TABLE agencies; --', 'FR" OR country = "DE', "x" * 200, "\\")
    result = search(backend, filters={"city": values, "country": ("FR",)})
    assert result.total == 0
