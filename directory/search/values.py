"""Facet values and free text as a request gives them → canonical values (or None).

Each facet group has a normalizer checked against its vocabulary (taxonomy slugs, ISO codes,
known cities); free text is cleaned of control and invisible characters; a text that is
exactly a service's name or synonym names that service.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from .. import geo, taxonomy
from .base import FACETS, MAX_QUERY_LENGTH

MAX_CITY_LENGTH = 120

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufffd]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str, limit: int = MAX_QUERY_LENGTH) -> str:
    """Normalize free text: NFC, no control/invisible characters, single spaces, ≤ ``limit``."""
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub(" ", value)
    value = _SPACES.sub(" ", value).strip()
    return value[:limit].rstrip()


def _vocabulary(terms: dict) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        value = value.strip().lower()
        return value if value in terms else None

    return check


def _country(value: str) -> str | None:
    value = value.strip().upper()
    return value if geo.is_country(value) else None


def _language(value: str) -> str | None:
    value = value.strip().lower()
    return value if geo.is_language(value) else None


def _world_region(value: str) -> str | None:
    value = value.strip().upper()
    return value if value in geo.WORLD_REGIONS else None


def _city(value: str) -> str | None:
    # Cities are an open vocabulary, keyed "CC:Name" like the search documents ("FR:Lyon").
    # A bare name ("Lyon") is read as its most populous namesake. The value only ever
    # narrows the result set and is never interpreted as syntax by a backend.
    country, sep, name = value.partition(":")
    if not sep:
        country, name = "", value
    name = clean_text(name, MAX_CITY_LENGTH)
    if not name:
        return None
    if sep:
        country = country.strip().upper()
        return f"{country}:{name}" if geo.is_country(country) else None
    city = geo.find_city(name)
    return f"{city['countrycode']}:{name}" if city else None


def city_name(value: str) -> str:
    """The display name of a city facet value ("FR:Lyon" → "Lyon")."""
    return value.partition(":")[2] or value


# Facet name → normalizer returning the canonical value, or None for an unknown value.
VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "world_region": _world_region,
    "country": _country,
    "city": _city,
    "category": _vocabulary(taxonomy.CATEGORIES),
    "service": _vocabulary(taxonomy.SERVICES),
    "industry": _vocabulary(taxonomy.INDUSTRIES),
    "language": _language,
    "program": _vocabulary(taxonomy.PROGRAMS),
    "tier": _vocabulary(taxonomy.TIERS),
    "accreditation": _vocabulary(taxonomy.ACCREDITATIONS),
    "product": _vocabulary(taxonomy.PRODUCTS),
    "client_size": _vocabulary(taxonomy.CLIENT_SIZES),
    "budget_band": _vocabulary(taxonomy.BUDGET_BANDS),
}
assert set(VALIDATORS) == set(FACETS), "every facet needs a validator"


@cache
def _service_phrases() -> dict[str, str]:
    """Folded service names and synonyms (both languages) → service slug, first one wins."""
    phrases: dict[str, str] = {}
    for term in taxonomy.SERVICES.values():
        names = [term.en, term.fr, *term.synonyms]
        for name in (term.en, term.fr):  # "Référencement naturel (SEO)": each part too
            outside, _, inside = name.partition("(")
            names += [outside, inside.rstrip(")")]
        for name in names:
            key = _phrase_key(name)
            if key:
                phrases.setdefault(key, term.slug)
    return phrases


def _phrase_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", geo.fold(text)).split())


def service_named_by(text: str) -> str | None:
    """The service slug whose name or synonym is exactly ``text`` (any case, accents), or None."""
    return _service_phrases().get(_phrase_key(text)) if text else None
