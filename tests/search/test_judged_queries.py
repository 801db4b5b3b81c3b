"""Judged queries: what people type, in French and English, and the agencies that must come first.

A small directory of agencies with distinct names, services, cities, languages and industries
is indexed in each engine (the embedded one always, Meilisearch with ``-m meili``), and every
query runs the way the search page runs it: parsed and understood (``params``), then searched
with its safety nets (``views._searching.run_understood``). Each judgement lists the agencies
that must fill the first places (in any order among themselves); a ``total`` also pins how
many agencies are found. All failures are reported together.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from directory.db import db
from directory.models import Agency
from directory.search.documents import build_documents
from directory.search.embedded import EmbeddedBackend
from directory.search.params import parse_search_args
from directory.views._searching import run_understood

# name → (services, (country, city), languages, industries, tier)
CORPUS: dict[str, tuple] = {
    "Traboule Digital": (["seo"], ("FR", "Lyon"), ["fr", "en"], [], "elite"),
    "Presqu'île Search": (["seo"], ("FR", "Lyon"), ["fr"], [], None),
    "Fourvière Ads": (["paid-advertising"], ("FR", "Lyon"), ["fr"], [], None),
    "Croix-Rousse Studio": (["website-design", "branding"], ("FR", "Lyon"), ["fr"], [], None),
    "Rhône Growth": (
        ["inbound-marketing", "content-marketing"], ("FR", "Lyon"), ["fr"], [], "diamond",
    ),
    "Seine Référencement": (["seo", "paid-advertising"], ("FR", "Paris"), ["fr"], [], "elite"),
    "Montmartre Brand Lab": (["branding"], ("FR", "Paris"), ["fr"], [], None),
    "Lutèce CRM Conseil": (
        ["crm-implementation", "revenue-operations"], ("FR", "Paris"), ["fr"], [], None,
    ),
    "Marais Santé Digital": (["seo"], ("FR", "Paris"), ["fr"], ["healthcare"], None),
    "Garonne Web": (
        ["website-development", "cms-development"], ("FR", "Bordeaux"), ["fr"], [], None,
    ),
    "Flandres Emailing": (["email-marketing"], ("FR", "Lille"), ["fr"], [], None),
    "Calanques Commerce": (["ecommerce-website"], ("FR", "Marseille"), ["fr"], [], None),
    "Agence Lumière": (["video-production"], ("FR", "Nantes"), ["fr"], [], None),
    "Boulogne Formation": (["training"], ("FR", "Boulogne-Billancourt"), ["fr"], [], None),
    "Paris Pixel Works": (["website-design"], ("FR", "Lyon"), ["fr"], [], None),
    "Spree Websites": (["website-design"], ("DE", "Berlin"), ["de", "en"], [], None),
    "Nordlicht SEO": (["seo"], ("DE", "Berlin"), ["de"], [], None),
    "Isar RevOps": (["revenue-operations"], ("DE", "Munich"), ["de", "en"], [], None),
    "Agencia Sol": (["social-media"], ("ES", "Madrid"), ["es"], [], None),
    "Rambla Ads": (["paid-advertising"], ("ES", "Barcelona"), ["es", "en"], [], None),
    "Thames PPC": (["paid-advertising"], ("GB", "London"), ["en"], [], None),
    "Camden Content Co": (["content-marketing"], ("GB", "London"), ["en"], [], None),
    "Mont-Royal Marketing": (
        ["inbound-marketing", "seo"], ("CA", "Montréal"), ["fr", "en"], [], None,
    ),
    "Lakeshore CRM": (["crm-implementation"], ("CA", "Toronto"), ["en"], [], None),
    "Hudson Growth Partners": (
        ["seo", "paid-advertising"], ("US", "New York City"), ["en"], [], "elite",
    ),
    "Bay Analytics": (["reporting-analytics"], ("US", "San Francisco"), ["en"], [], None),
    "Merlion Digital": (["social-media"], ("SG", "Singapore"), ["en"], [], None),
    "Dubai Agency Hub": (["branding"], ("AE", "Dubai"), ["en", "ar"], [], None),
    "Sakura Web": (["website-design"], ("JP", "Tokyo"), ["ja"], [], None),
    "Harbour SEO": (["seo"], ("AU", "Sydney"), ["en"], [], None),
    "Atomium Conseil": (["it-consulting"], ("BE", "Brussels"), ["fr", "nl"], [], None),
    "Léman Automation": (["marketing-automation"], ("CH", "Geneva"), ["fr"], [], None),
}  # fmt: skip

LYON_SEO = ("Traboule Digital", "Presqu'île Search")
PARIS_SEO = ("Seine Référencement", "Marais Santé Digital")
LYON = ("Traboule Digital", "Presqu'île Search", "Fourvière Ads", "Croix-Rousse Studio",
        "Rhône Growth", "Paris Pixel Works")  # fmt: skip
GERMANY = ("Spree Websites", "Nordlicht SEO", "Isar RevOps")

# (query, agencies that must come first, total found or None)
JUDGED: list[tuple[str, tuple[str, ...], int | None]] = [
    # service + place, French and English (the four first)
    ("agence seo lyon", LYON_SEO, 2),
    ("agence de référencement à lyon", LYON_SEO, 2),
    ("seo in lyon", LYON_SEO, 2),
    ("seo lyon", LYON_SEO, 2),
    ("référencement naturel paris", PARIS_SEO, 2),
    ("SEO Paris", PARIS_SEO, 2),
    ("google ads paris", ("Seine Référencement",), 1),
    ("ppc london", ("Thames PPC",), 1),
    ("agence sea barcelone", ("Rambla Ads",), 1),
    ("crm consultant toronto", ("Lakeshore CRM",), 1),
    ("revops munich", ("Isar RevOps",), 1),
    ("RevOps agency Germany", ("Isar RevOps",), 1),
    ("website design berlin", ("Spree Websites",), 1),
    ("agence wordpress bordeaux", ("Garonne Web",), 1),
    ("e-commerce marseille", ("Calanques Commerce",), 1),
    ("emailing lille", ("Flandres Emailing",), 1),
    ("social media madrid", ("Agencia Sol",), 1),
    ("réseaux sociaux singapour", ("Merlion Digital",), 1),
    ("seo new york", ("Hudson Growth Partners",), 1),
    ("seo agency in the usa", ("Hudson Growth Partners",), 1),
    ("seo états-unis", ("Hudson Growth Partners",), 1),
    ("seo australie", ("Harbour SEO",), 1),
    ("seo sydney", ("Harbour SEO",), 1),
    ("SEO Germany", ("Nordlicht SEO",), 1),
    ("seo allemagne", ("Nordlicht SEO",), 1),
    ("meilleure agence seo à berlin", ("Nordlicht SEO",), 1),
    ("best seo agency in montreal", ("Mont-Royal Marketing",), 1),
    ("agence seo montréal", ("Mont-Royal Marketing",), 1),
    ("inbound marketing lyon", ("Rhône Growth",), 1),
    ("marketing automation geneva", ("Léman Automation",), 1),
    ("automatisation du marketing genève", ("Léman Automation",), 1),
    ("conseil informatique bruxelles", ("Atomium Conseil",), 1),
    ("video production nantes", ("Agence Lumière",), 1),
    ("branding dubai", ("Dubai Agency Hub",), 1),
    ("formation boulogne-billancourt", ("Boulogne Formation",), 1),
    # place only
    ("Lyon", LYON, 6),
    ("agences à Lyon", LYON, 6),
    ("Allemagne", GERMANY, 3),
    ("Germany", GERMANY, 3),
    (
        "Île-de-France",
        (*PARIS_SEO, "Montmartre Brand Lab", "Lutèce CRM Conseil", "Boulogne Formation"),
        5,
    ),
    ("Montreal", ("Mont-Royal Marketing",), 1),
    ("Canada", ("Mont-Royal Marketing", "Lakeshore CRM"), 2),
    ("Royaume-Uni", ("Thames PPC", "Camden Content Co"), 2),
    ("Espagne", ("Agencia Sol", "Rambla Ads"), 2),
    (
        "North America",
        ("Mont-Royal Marketing", "Lakeshore CRM", "Hudson Growth Partners", "Bay Analytics"),
        4,
    ),
    # spoken languages and industries
    ("agence francophone à Bruxelles", ("Atomium Conseil",), 1),
    ("German-speaking agency", GERMANY, 3),
    ("agence hispanophone", ("Agencia Sol", "Rambla Ads"), 2),
    ("japanese-speaking web design", ("Sakura Web",), 1),
    ("seo santé", ("Marais Santé Digital",), 1),
    ("healthcare seo paris", ("Marais Santé Digital",), 1),
    # name lookups
    ("Traboule Digital", ("Traboule Digital",), None),
    ("traboule", ("Traboule Digital",), 1),
    ("Spree Websites", ("Spree Websites",), None),
    ("Hudson Growth Partners", ("Hudson Growth Partners",), None),
    ("Agence Lumière", ("Agence Lumière",), None),
    ("Dubai Agency Hub", ("Dubai Agency Hub",), None),
    ("Montmartre Brand Lab", ("Montmartre Brand Lab",), None),
    ("Bay Analytics", ("Bay Analytics",), None),
    ("Lutèce CRM Conseil", ("Lutèce CRM Conseil",), None),
    ("Paris Pixel Works", ("Paris Pixel Works",), None),  # in Lyon: the words win
    # typos
    ("referencment lyon", LYON_SEO, 2),
    ("wordpres bordeaux", ("Garonne Web",), 1),
    ("Allemange seo", ("Nordlicht SEO",), 1),
    ("markting automation geneve", ("Léman Automation",), 1),
    ("Nordlict", ("Nordlicht SEO",), None),
    ("Traboulle Digital", ("Traboule Digital",), None),
    # mixed languages and filler words
    ("seo agence berlin", ("Nordlicht SEO",), 1),
    ("agency référencement paris", PARIS_SEO, 2),
    ("web design à Tokyo", ("Sakura Web",), 1),
    ("crm agence canada", ("Lakeshore CRM",), 1),
    ("the best seo company in sydney", ("Harbour SEO",), 1),
    ("je cherche une agence pour google ads à londres", ("Thames PPC",), 1),
    ("top ppc agencies near london", ("Thames PPC",), 1),
]


@pytest.fixture(params=["embedded", pytest.param("meilisearch", marks=pytest.mark.meili)])
def backend(request, app, tmp_path):
    """The judged directory indexed in each engine (Meilisearch only with ``MEILI_URL``)."""
    if request.param == "embedded":
        engine = EmbeddedBackend(tmp_path / "judged-index")
    else:
        engine = request.getfixturevalue("meili_live")
    engine.apply_settings()
    factory = request.getfixturevalue("factory")
    agencies = []
    for name, (services, (country, city), languages, industries, tier) in CORPUS.items():
        agencies.append(
            factory.agency(
                name=name,
                services=services,
                offices=[{"country": country, "city": city}],
                languages=languages,
                industries=industries,
                program="partner" if tier else "provider",
                tier=tier,
                tagline="",
                description="",
            )
        )
    docs, _ = build_documents([a.id for a in agencies])
    engine.upsert(docs)
    return engine


def test_the_judged_queries_find_the_agencies_people_expect(app, backend):
    names = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    failures = []
    assert len(JUDGED) >= 60
    for text, first, total in JUDGED:
        params = parse_search_args(MultiDict({"q": text}))
        _, result = run_understood(params, backend.search)
        found = [names[hit.id] for hit in result.hits]
        if set(found[: len(first)]) != set(first) or (total is not None and result.total != total):
            failures.append(f"{text!r}: expected {first} (total {total}), got {found[:6]} "
                            f"(total {result.total})")  # fmt: skip
    assert not failures, f"{len(failures)} of {len(JUDGED)} judged queries fail:\n" + "\n".join(
        failures
    )
