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

from ...db import db, today
from ...geo import cities_of
from ...models import Agency, listed_filter
from ...slugs import derive_slug
from ...taxonomy import ACCREDITATIONS, CLIENT_SIZES, INDUSTRIES, PRODUCTS, SERVICES, tier_rank
from ..imports.pipeline import ImportResult, Problem, import_records
from . import names
from . import texts as text
from .case_studies import case_studies_for
from .data import (
    BUDGETS,
    CITY_LANGUAGE,
    COUNTRIES,
    FAKER_OVERRIDE,
    LOCALE_BY_LANGUAGE,
    PRODUCTS_BY_CATEGORY,
    REVIEWS_BY_RANK,
    TEAM_BY_RANK,
    TIER_NAMES,
    TIER_WEIGHTS,
)
from .featured import featured_agencies


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
        _add_case_studies(record, seed, -1, language)
        yield _with_review_services(record, seed)
    weights = [weight for _, weight, *_ in COUNTRIES]
    for i in range(count - len(featured)):
        # The first agencies visit every country once, so a small --count covers them all.
        country = COUNTRIES[i] if i < len(COUNTRIES) else rng.choices(COUNTRIES, weights)[0]
        yield _with_review_services(_agency(rng, seed, i, country, on), seed)


def _with_review_services(record: dict, seed: int) -> dict:
    """Most reviews name one of the agency's services (the rest: "other", or written before).

    Drawn from a generator of the agency's own, so no other demo value moves.
    """
    rng = random.Random(f"review-services-{seed}-{record['external_id']}")  # noqa: S311
    services = record.get("services") or []
    for review in record.get("reviews") or []:
        if services and rng.random() < REVIEW_SERVICE_SHARE:
            review["service"] = rng.choice(services)
    return record


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
    _add_case_studies(record, seed, i, language)
    return record


def _add_case_studies(record: dict, seed: int, index: int, language: str) -> None:
    studies = case_studies_for(seed, index, record, language)
    if studies:
        record["case_studies"] = studies


def _phone(rng: random.Random, calling: str) -> str:
    return f"+{calling} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _author(rng: random.Random, pools: dict) -> str:
    """A reviewer shown the way directories do: first name and initial."""
    return f"{rng.choice(pools['first_names'])} {rng.choice(pools['surnames'])[:1]}."


def _ascii(name: str) -> str:
    return derive_slug(name)[:40].strip("-") or "agency"


def _name(rng: random.Random, language: str, pools: dict, city: str) -> str:
    patterns = names.NAME_PATTERNS.get(language, names.NAME_PATTERNS["en"])
    words = names.WORDS.get(language, names.WORDS["en"])
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


REVIEW_SERVICE_SHARE = 0.8
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
