"""Suggestions as you type: services, places and agencies found by prefix, never by a search.

Each web process keeps a ``SuggestIndex``: for each kind, every key (a normalised label, and
each of its word suffixes, so "growth" finds "Rhône Growth") in one sorted list, with the
weight of the entry it names in a parallel numpy array. A lookup is two bisections and, when
the prefix is short and matches thousands of keys, one ``argpartition`` over their weights:
about a millisecond at 100,000 agencies (``bench/suggest_bench.py``), where a full search
would take tens. The index is rebuilt from the database after ``SUGGEST_CACHE_SECONDS``, or
sooner (but at most every few seconds) after a commit in this process touched an agency.
"""

from __future__ import annotations

import math
import re
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy import and_, func, select

from .. import changes, geo, taxonomy
from ..db import db
from ..models import Agency, Office, listed_filter
from .landing import landing_index, refresh_in_background

MAX_KEY_WORDS = 6  # word suffixes indexed per label ("the very long agency name" …)
MIN_PREFIX = 2  # one letter matches a third of the vocabulary: not worth an answer
LIMITS = {"combo": 3, "service": 3, "place": 3, "agency": 4}
MAX_SUGGESTIONS = 8
# Words people put between a service and a place ("seo agency in lyon"): skipped when
# pairing the two. Folded, so "à" is "a".
FILLERS = frozenset(
    {"a", "agence", "agences", "agencies", "agency", "au", "aux", "de", "des", "du", "en"}
    | {"for", "in", "near", "of", "pour", "pres", "the"}
)
# After a commit, wait at least this long before rebuilding again (bursts of edits).
MIN_REBUILD_SECONDS = 10.0

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower case, no accents, words separated by single spaces ("Île-de-France" → "ile de
    france")."""
    return _NON_WORD.sub(" ", geo.fold(text)).strip()


@dataclass(frozen=True)
class Entry:
    """Something a visitor can pick: a service, a country, a city or an agency."""

    kind: str  # "service", "country", "city" or "agency"
    value: str  # the facet value ("seo", "FR", "FR:Lyon") or the agency's slug
    en: str
    fr: str
    count: int  # listed agencies (services, places); 0 for an agency
    detail: str = ""  # a city's country code, an agency's "City, CC"

    def label(self, language: str) -> str:
        """The entry's name in ``language``."""
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class Combo:
    """A service and a place picked together ("SEO · Lyon"), with its listed agencies."""

    entries: tuple[Entry, Entry]
    count: int


class _PrefixTable:
    """Keys sorted for prefix ranges, each pointing at an entry with a weight."""

    def __init__(self, pairs: list[tuple[str, int]], weights: list[float]):
        pairs.sort()
        self.keys = [key for key, _ in pairs]
        self.entries = np.fromiter((e for _, e in pairs), dtype=np.int32, count=len(pairs))
        self.weights = np.asarray(weights, dtype=np.float64)[self.entries]

    def top(self, prefix: str, limit: int) -> list[int]:
        """Up to ``limit`` distinct entries with a key starting with ``prefix``, heaviest first."""
        lo = bisect_left(self.keys, prefix)
        hi = bisect_left(self.keys, prefix + "\x7f", lo)
        if lo == hi:
            return []
        weights = self.weights[lo:hi]
        # One entry has several keys (label, synonyms, word suffixes): take spares.
        wanted = min(hi - lo, limit * 4)
        if hi - lo > wanted:
            picked = np.argpartition(-weights, wanted - 1)[:wanted]
        else:
            picked = np.arange(hi - lo)
        picked = picked[np.lexsort((picked, -weights[picked]))]
        found: list[int] = []
        for i in picked:
            entry = int(self.entries[lo + i])
            if entry not in found:
                found.append(entry)
                if len(found) == limit:
                    break
        return found


def _keys(*labels: str) -> set[str]:
    """A label's normalised form and its word suffixes ("rhone growth", "growth")."""
    keys = set()
    for label in labels:
        words = normalize(label).split()
        for start in range(min(len(words), MAX_KEY_WORDS)):
            keys.add(" ".join(words[start:]))
    return keys


class SuggestIndex:
    """Entries of every kind with one prefix table per kind, built from the database."""

    def __init__(self, entries: list[Entry], keys: list[set[str]], weights: list[float], pairs):
        self.entries = entries
        self.pairs = pairs  # (service, "country"|"city", value) → listed agencies
        self.exact_services: dict[str, int] = {}
        self.exact_places: dict[str, int] = {}
        tables: dict[str, list[tuple[str, int]]] = {"service": [], "place": [], "agency": []}
        for i, entry in enumerate(entries):
            group = "place" if entry.kind in ("country", "city") else entry.kind
            tables[group].extend((key, i) for key in keys[i])
            exact = self.exact_services if group == "service" else self.exact_places
            if group != "agency":
                for label in (entry.en, entry.fr, *_synonyms(entry)):
                    exact.setdefault(normalize(label), i)
        self.tables = {kind: _PrefixTable(pairs_, weights) for kind, pairs_ in tables.items()}

    def lookup(self, text: str) -> list[tuple[str, list[Entry]]]:
        """``[(kind, entries)]`` for typed ``text``: combinations, services, places, agencies."""
        prefix = normalize(text)
        if len(prefix) < MIN_PREFIX:
            return []
        found = [("combo", self._combos(prefix))]
        for kind in ("service", "place", "agency"):
            ids = self.tables[kind].top(prefix, LIMITS[kind])
            found.append((kind, [self.entries[i] for i in ids]))
        return [(kind, items) for kind, items in found if items]

    def _combos(self, prefix: str) -> list[Combo]:
        """ "seo ly" → [SEO, Lyon]: a known service (or place) then the start of a place (or
        service), kept only when listed agencies offer that service there."""
        words = [w for w in prefix.split() if w not in FILLERS]
        combos: list[Combo] = []
        for cut in range(len(words) - 1, 0, -1):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            for exact, other in ((self.exact_services, "place"), (self.exact_places, "service")):
                known = exact.get(head)
                if known is None:
                    continue
                for i in self.tables[other].top(tail, LIMITS["combo"] * 3):
                    service, place = (known, i) if other == "place" else (i, known)
                    s, p = self.entries[service], self.entries[place]
                    count = self.pairs.get((s.value, p.kind, p.value), 0)
                    if count:
                        combos.append(Combo((s, p), count))
            if combos:
                break
        return combos[: LIMITS["combo"]]


EMPTY = SuggestIndex([], [], [], {})


def _synonyms(entry: Entry) -> tuple[str, ...]:
    term = taxonomy.SERVICES.get(entry.value) if entry.kind == "service" else None
    return term.synonyms if term else ()


def build_index() -> SuggestIndex:
    """Read services, places and listed agencies from the database (5 queries)."""
    entries: list[Entry] = []
    keys: list[set[str]] = []
    weights: list[float] = []

    def add(entry: Entry, entry_keys: set[str], weight: float) -> None:
        entries.append(entry)
        keys.append(entry_keys)
        weights.append(weight)

    landings = landing_index()
    pairs: dict[tuple[str, str, str], int] = {}
    for page in landings.pages:
        if page.city:
            pairs[(page.service, "city", f"{page.country}:{page.city}")] = page.count
        elif page.country:
            pairs[(page.service, "country", page.country)] = page.count
        elif page.service in taxonomy.SERVICES:
            term = taxonomy.SERVICES[page.service]
            labels = (term.en, term.fr, *term.synonyms)
            add(
                Entry("service", term.slug, term.en, term.fr, page.count),
                _keys(*labels),
                page.count,
            )
    _add_places(add)
    _add_agencies(add)
    return SuggestIndex(entries, keys, weights, pairs)


def _add_places(add) -> None:
    listed = select(Agency.id).where(listed_filter()).scalar_subquery()
    count = func.count(func.distinct(Office.agency_id))
    in_listed = Office.agency_id.in_(listed)
    for country, n in db.session.execute(
        select(Office.country, count).where(in_listed).group_by(Office.country)
    ):
        if geo.is_country(country):
            en, fr = geo.country_name(country, "en"), geo.country_name(country, "fr")
            add(Entry("country", country, en, fr, n), _keys(en, fr), n)
    cities = (
        select(Office.country, Office.city, count)
        .where(in_listed, Office.city.is_not(None), Office.city != "")
        .group_by(Office.country, Office.city)
    )
    for country, city, n in db.session.execute(cities):
        if geo.is_country(country):
            # A city weighs a little less than a country with as many agencies.
            add(Entry("city", f"{country}:{city}", city, city, n, country), _keys(city), n * 0.9)


def _add_agencies(add) -> None:
    hq = and_(Office.agency_id == Agency.id, Office.is_headquarters.is_(True))
    rows = db.session.execute(
        select(
            Agency.name,
            Agency.slug,
            Agency.program,
            Agency.tier,
            Agency.rating_avg,
            Agency.review_count,
            Office.city,
            Office.country,
        )
        .outerjoin(Office, hq)
        .where(listed_filter())
    )
    for name, slug, program, tier, rating, reviews, city, country in rows:
        # The ranking policy's order: tier, then rating, then how many reviews back it.
        weight = taxonomy.tier_rank(program, tier) * 10 + (rating or 0) + math.log1p(reviews or 0)
        where = ", ".join(part for part in (city, country) if part)
        add(Entry("agency", slug, name, name, 0, where), _keys(name), weight)


# --- The per-process cache ---------------------------------------------------------------------

_generation = 0  # bumped by every commit that touched an agency in this process
_building = threading.Lock()


def _touched(_changes) -> None:
    global _generation
    _generation += 1


def suggest_index() -> SuggestIndex:
    """The process's index, built and rebuilt in the background (empty until the first build
    ends; stale ones serve meanwhile); with a ``SUGGEST_CACHE_SECONDS`` of 0, in the request."""
    changes.subscribe(on_commit=_touched)
    ttl = float(current_app.config.get("SUGGEST_CACHE_SECONDS", 300))
    cache = current_app.extensions.setdefault("suggest_index", {})

    def store() -> SuggestIndex:
        generation = _generation
        index = build_index()
        cache["index"] = (time.monotonic(), generation, index)
        return index

    hit = cache.get("index")
    if not ttl:
        return store()
    if hit is None:
        # The first build takes seconds at 100,000 agencies: answer "no suggestion" (the box
        # still searches) rather than keep the visitor waiting, and build in the background.
        if _building.acquire(blocking=False):
            refresh_in_background(_building, store)
        return EMPTY
    built_at, generation, index = hit
    age = time.monotonic() - built_at
    changed = generation != _generation and age >= min(ttl, MIN_REBUILD_SECONDS)
    if (age >= ttl or changed) and _building.acquire(blocking=False):
        refresh_in_background(_building, store)
    return index
