"""Deterministic, realistic demo agencies, written through the import service.

``generate_agencies`` yields contract-shaped dicts (shared/import-format.md), so demo data is
valid by construction and exercises the same code path as a real import; ``seed_demo`` feeds
them to the importer. The same ``seed`` on the same day gives the same agencies.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable, Iterator
from functools import cache

from faker import Generator
from sqlalchemy import func, select

from ..db import db, today
from ..geo import cities_of
from ..models import Agency, listed_filter
from ..taxonomy import ACCREDITATIONS, CLIENT_SIZES, INDUSTRIES, PRODUCTS, SERVICES, tier_rank
from . import seed_text as text
from .importer import ImportResult, Problem, import_records
from .seed_featured import featured_agencies

# (ISO country, weight, Faker locale, language of texts, calling code). Weights follow where
# HubSpot partners are; every continent is present so the region facets have something.
COUNTRIES = [
    ("US", 20, "en_US", "en", "1"), ("GB", 8, "en_GB", "en", "44"),
    ("FR", 9, "fr_FR", "fr", "33"), ("DE", 6, "de_DE", "de", "49"),
    ("CA", 3.5, "en_CA", "en", "1"), ("AU", 2.5, "en_AU", "en", "61"),
    ("ES", 4, "es_ES", "es", "34"), ("IT", 3, "it_IT", "it", "39"),
    ("NL", 2.5, "nl_NL", "nl", "31"), ("BE", 1.5, "fr_BE", "fr", "32"),
    ("CH", 1.5, "de_CH", "de", "41"), ("AT", 1, "de_AT", "de", "43"),
    ("PT", 1, "pt_PT", "pt", "351"), ("IE", 1, "en_IE", "en", "353"),
    ("SE", 1, "sv_SE", "en", "46"), ("DK", 0.8, "da_DK", "en", "45"),
    ("NO", 0.6, "no_NO", "en", "47"), ("FI", 0.5, "fi_FI", "en", "358"),
    ("PL", 1, "pl_PL", "en", "48"), ("CZ", 0.5, "cs_CZ", "en", "420"),
    ("RO", 0.4, "ro_RO", "en", "40"), ("GR", 0.3, "el_GR", "en", "30"),
    ("LU", 0.3, "fr_FR", "fr", "352"), ("MX", 1.5, "es_MX", "es", "52"),
    ("BR", 3, "pt_BR", "pt", "55"), ("AR", 1, "es_AR", "es", "54"),
    ("CO", 1, "es_CO", "es", "57"), ("CL", 0.8, "es_CL", "es", "56"),
    ("PE", 0.4, "es_ES", "es", "51"), ("JP", 2, "ja_JP", "ja", "81"),
    ("IN", 2.5, "en_IN", "en", "91"), ("SG", 1, "en_US", "en", "65"),
    ("AE", 0.8, "en_US", "en", "971"), ("IL", 0.6, "he_IL", "en", "972"),
    ("KR", 0.6, "ko_KR", "en", "82"), ("PH", 0.5, "en_PH", "en", "63"),
    ("ID", 0.4, "id_ID", "en", "62"), ("TR", 0.5, "tr_TR", "en", "90"),
    ("TH", 0.3, "th_TH", "en", "66"), ("ZA", 1, "en_US", "en", "27"),
    ("NG", 0.6, "en_NG", "en", "234"), ("KE", 0.5, "en_KE", "en", "254"),
    ("EG", 0.4, "en_US", "en", "20"), ("MA", 0.5, "fr_FR", "fr", "212"),
    ("NZ", 0.7, "en_NZ", "en", "64"),
]  # fmt: skip
# Cities whose agencies write in another language than the country's default.
CITY_LANGUAGE = {
    "Montréal": "fr",
    "Québec": "fr",
    "Laval": "fr",
    "Gatineau": "fr",
    "Geneva": "fr",
    "Lausanne": "fr",
    "Antwerp": "nl",
    "Gent": "nl",
    "Brugge": "nl",
    "Leuven": "nl",
    "Mechelen": "nl",
    "Aalst": "nl",
    "Hasselt": "nl",
    "Kortrijk": "nl",
    "Oostende": "nl",
    "Genk": "nl",
    "Sint-Niklaas": "nl",
}
FAKER_OVERRIDE = {"fr": "fr_CA", "nl": "nl_BE"}  # locale for those cities' people

# Among partners: many untiered or Gold, few Elite.
TIER_NAMES = [None, "gold", "platinum", "diamond", "elite"]
TIER_WEIGHTS = [25, 40, 22, 9, 4]
LOCALE_BY_LANGUAGE = {
    "fr": "fr_FR",
    "de": "de_DE",
    "es": "es_ES",
    "it": "it_IT",
    "pt": "pt_BR",
    "nl": "nl_NL",
    "ja": "ja_JP",
    "en": "en_GB",
}
TEAM_BY_RANK = {
    0: ["1-10", "11-50", "11-50", "51-200"],
    1: ["1-10", "11-50", "51-200"],
    2: ["11-50", "51-200"],
    3: ["11-50", "51-200", "201-500"],
    4: ["51-200", "201-500"],
    5: ["201-500", "501+"],
}
REVIEWS_BY_RANK = {0: 3, 1: 4, 2: 6, 3: 10, 4: 15, 5: 25}  # mean review count
BUDGETS = [1000, 2000, 2500, 5000, 7500, 10000, 15000, 25000, 50000, 100000]
PRODUCTS_BY_CATEGORY = {
    "marketing": "marketing-hub",
    "sales": "sales-hub",
    "it": "operations-hub",
    "customer-service": "service-hub",
    "web-design": "content-hub",
    "crm-implementation": "sales-hub",
}


def has_agencies() -> bool:
    """Whether the directory holds any agency."""
    return db.session.scalar(select(Agency.id).limit(1)) is not None


def seed_demo(
    count: int = 1500, seed: int = 1, report: Callable[[Problem], None] = lambda problem: None
) -> tuple[ImportResult, int]:
    """Generate and import ``count`` demo agencies; returns the import counts and how many list."""
    result = import_records(generate_agencies(count, seed), report)
    listed = db.session.scalar(select(func.count(Agency.id)).where(listed_filter()))
    return result, listed


def generate_agencies(count: int, seed: int = 1, on: dt.date | None = None) -> Iterator[dict]:
    """Yield ``count`` contract-shaped agencies: the featured ones first, then generated ones."""
    on = on or today()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    featured = featured_agencies(on)[:count]
    for record in featured:
        language, reviews = record.pop("_language"), record.pop("_reviews")
        pools = _pools(LOCALE_BY_LANGUAGE.get(language, "en_US"), seed)
        record["reviews"] = _reviews(rng, record, language, reviews, on, pools)
        yield record
    weights = [weight for _, weight, *_ in COUNTRIES]
    for i in range(count - len(featured)):
        # The first agencies visit every country once, so a small --count covers them all.
        country = COUNTRIES[i] if i < len(COUNTRIES) else rng.choices(COUNTRIES, weights)[0]
        yield _agency(rng, seed, i, country, on)


@cache
def _faker(locale: str) -> Generator:
    """A generator with only the person and company providers of ``locale``.

    ``Faker(locale)`` loads all two dozen providers by scanning packages (~0.1 s per locale).
    """
    generator = Generator()
    for kind in ("person", "company"):
        for candidate in (locale, locale.split("_")[0], "en_US"):
            try:
                module = importlib.import_module(f"faker.providers.{kind}.{candidate}")
            except ImportError:
                continue
            generator.add_provider(module.Provider)
            break
    return generator


@cache
def _pools(locale: str, seed: int) -> dict[str, list[str]]:
    """Surnames, first names and client companies of one locale (Faker is slow per call)."""
    fake = _faker(locale)
    fake.seed_instance(seed)
    return {
        "surnames": [fake.last_name() for _ in range(60)],
        "first_names": [fake.first_name() for _ in range(60)],
        "companies": [fake.company()[:120] for _ in range(25)],
    }


@cache
def _cities(country: str) -> tuple[list[dict], list[float]]:
    cities = cities_of(country, limit=15)
    return cities, [c["population"] ** 0.5 for c in cities]


def _agency(rng: random.Random, seed: int, i: int, country: tuple, on: dt.date) -> dict:
    code, _, locale, language, calling = country
    cities, weights = _cities(code)
    city = rng.choices(cities, weights)[0]
    language = CITY_LANGUAGE.get(city["name"], language)
    if language != country[3]:
        locale = FAKER_OVERRIDE.get(language, locale)
    pools = _pools(locale, seed)
    program = "partner" if rng.random() < 0.45 else "provider"
    tier = rng.choices(TIER_NAMES, TIER_WEIGHTS)[0] if program == "partner" else None
    rank = tier_rank(program, tier)
    services = _services(rng, i)
    category = SERVICES[services[0]].category
    name = _name(rng, language, pools, city["name"])
    founded = max(1988, on.year - 1 - int(rng.expovariate(1 / 9)))
    domain = f"{_ascii(name)}-{i}.example"
    record = {
        "external_id": f"demo-{i + 1:06d}",
        "name": name,
        "tagline": text.TAGLINES.get(language, text.TAGLINES["en"])[category],
        "description": _description(rng, language, name, city["name"], founded, services),
        "website": f"https://{domain}",
        "email": f"contact@{domain}",
        "phone": _phone(rng, calling),
        "founded": founded,
        "team_size": rng.choice(TEAM_BY_RANK[rank]),
        "program": program,
        "tier": tier,
        "languages": _languages(rng, language),
        "services": services,
        "industries": _industries(rng, i),
        "products": _products(rng, services),
        "client_sizes": [s for s in CLIENT_SIZES if rng.random() < 0.5] or ["small"],
        "locations": _locations(rng, code, city, rank),
        "inbound_certification": _certification(rng, i, on),
        "status": rng.choices(["published", "draft", "suspended"], [95.7, 3.5, 0.8])[0],
    }  # fmt: skip
    if rng.random() < 0.8:
        record["min_budget_usd"] = rng.choice(BUDGETS[min(rank, 3) : min(rank, 3) + 6])
    if rng.random() < 0.7:
        low = rng.randrange(40, 160, 5) + 10 * rank
        record["hourly_rate_usd"] = [low, low + rng.randrange(20, 120, 5)]
    if rank >= 2:
        record["accreditations"] = rng.sample(list(ACCREDITATIONS), rng.randint(0, rank - 1))
    if rng.random() < 0.8:
        count = min(60, 1 + int(rng.expovariate(1 / REVIEWS_BY_RANK[rank])))
        record["reviews"] = _reviews(rng, record, language, count, on, pools)
    return record


def _phone(rng: random.Random, calling: str) -> str:
    return f"+{calling} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _author(rng: random.Random, pools: dict) -> str:
    """A reviewer shown the way directories do: first name and initial."""
    return f"{rng.choice(pools['first_names'])} {rng.choice(pools['surnames'])[:1]}."


def _ascii(name: str) -> str:
    from .import_writer import derive_slug

    return derive_slug(name)[:40].strip("-") or "agency"


def _name(rng: random.Random, language: str, pools: dict, city: str) -> str:
    patterns = text.NAME_PATTERNS.get(language, text.NAME_PATTERNS["en"])
    words = text.WORDS.get(language, text.WORDS["en"])
    word, word2 = rng.sample(words, 2)
    name = rng.choice(patterns).format(
        surname=rng.choice(pools["surnames"]), word=word, word2=word2, city=city
    )
    return name[:120]


def _services(rng: random.Random, i: int) -> list[str]:
    """A main service (each one in turn, then at random) plus related and unrelated ones."""
    slugs = list(SERVICES)
    main = slugs[i % len(slugs)] if i < 4 * len(slugs) else rng.choice(slugs)
    category = SERVICES[main].category
    related = [s for s in slugs if SERVICES[s].category == category and s != main]
    picked = [main, *rng.sample(related, min(len(related), rng.randint(1, 3)))]
    if rng.random() < 0.5:
        picked += rng.sample([s for s in slugs if s not in picked], rng.randint(1, 3))
    return picked


def _industries(rng: random.Random, i: int) -> list[str]:
    slugs = list(INDUSTRIES)
    if i < 4 * len(slugs):
        first = slugs[i % len(slugs)]
    elif rng.random() < 0.15:
        return []
    else:
        first = rng.choice(slugs)
    return [first, *rng.sample([s for s in slugs if s != first], rng.randint(0, 3))]


def _products(rng: random.Random, services: list[str]) -> list[str]:
    products = [PRODUCTS_BY_CATEGORY[SERVICES[s].category] for s in services]
    if rng.random() < 0.3:
        products.append(rng.choice(list(PRODUCTS)))
    return list(dict.fromkeys(products))


def _languages(rng: random.Random, language: str) -> list[str]:
    languages = [language]
    if language != "en" and rng.random() < 0.7:
        languages.append("en")
    if rng.random() < 0.1:
        languages.append(rng.choice(["fr", "de", "es", "it", "pt", "nl", "ja", "zh", "ar"]))
    return list(dict.fromkeys(languages))


def _description(rng, language, name, city, founded, services) -> str:
    sentences = text.DESCRIPTIONS.get(language, text.DESCRIPTIONS["en"])
    label_language = "fr" if language == "fr" else "en"
    labels = [SERVICES[s].label(label_language) for s in services[:4]]
    # Lower-case inside the sentence, except acronyms ("CRM migration", "IT consulting").
    labels = [
        labels[0],
        *(lb if lb[1:2].isupper() else lb[:1].lower() + lb[1:] for lb in labels[1:]),
    ]
    industry = INDUSTRIES[rng.choice(list(INDUSTRIES))].label(label_language).lower()
    values = {
        "name": name,
        "city": city,
        "founded": founded,
        "services": ", ".join(labels),
        "industry": industry,
    }
    first, second, third = (s.format(**values) for s in sentences)
    if language not in ("en", "fr"):  # industry labels exist in English and French only
        return f"{first} {second}"
    return f"{first} {second}\n\n{third}"


def _locations(rng: random.Random, code: str, city: dict, rank: int) -> list[dict]:
    locations = [_office(rng, code, city, headquarters=True)]
    extra = 0 if rng.random() < 0.75 else rng.randint(1, 1 + rank // 2)
    cities, weights = _cities(code)
    for _ in range(extra):
        if rng.random() < 0.25:  # an office abroad
            other = rng.choice(COUNTRIES)[0]
            cities_abroad, weights_abroad = _cities(other)
            locations.append(_office(rng, other, rng.choices(cities_abroad, weights_abroad)[0]))
        else:
            locations.append(_office(rng, code, rng.choices(cities, weights)[0]))
    return locations


def _office(rng: random.Random, code: str, city: dict, headquarters: bool = False) -> dict:
    office = {
        "country": code,
        "city": city["name"],
        "lat": round(city["latitude"] + rng.uniform(-0.02, 0.02), 5),
        "lng": round(city["longitude"] + rng.uniform(-0.02, 0.02), 5),
    }
    if headquarters:
        office["headquarters"] = True
    return office


def _certification(rng: random.Random, i: int, on: dt.date) -> dict:
    # About 7% expired: the listing rule must hide them without anyone re-importing.
    age = rng.randint(740, 1100) if rng.random() < 0.07 else rng.randint(10, 700)
    issued = on - dt.timedelta(days=age)
    return {
        "id": f"IC-{i + 1:07d}",
        "issued_on": issued.isoformat(),
        "expires_on": (issued + dt.timedelta(days=730)).isoformat(),
    }


REFER_BY_RATING = {1: (0, 3), 2: (1, 5), 3: (4, 7), 4: (6, 9), 5: (8, 10)}


def _reviews(rng, record, language, count, on, pools) -> list[dict]:
    """Reviews around an agency-level quality, skewed positive like real directories."""
    quality = min(4.9, max(2.0, rng.gauss(4.3, 0.45)))
    titles = text.REVIEW_TITLES.get(language, text.REVIEW_TITLES["en"])
    bodies = text.REVIEW_BODIES.get(language, text.REVIEW_BODIES["en"])
    reviews = []
    for j in range(count):
        rating = min(5, max(1, round(rng.gauss(quality, 0.8))))
        mood = 0 if rating <= 2 else 1 if rating == 3 else 2
        review = {
            "external_id": f"{record['external_id']}-r{j + 1:03d}",
            "author_name": _author(rng, pools),
            "author_company": rng.choice(pools["companies"]),
            "rating": rating,
            "title": rng.choice(titles[mood]),
            "body": rng.choice(bodies[mood]),
            "submitted_on": (on - dt.timedelta(days=rng.randint(3, 1500))).isoformat(),
        }  # fmt: skip
        if rng.random() < 0.85:
            for dimension in ("quality", "schedule", "cost"):
                review[dimension] = min(5, max(1, rating + rng.choice((-1, 0, 0, 0, 1))))
        if rng.random() < 0.9:
            review["willing_to_refer"] = rng.randint(*REFER_BY_RATING[rating])
        reviews.append(review)
    return reviews
