"""Service landing pages ("SEO agencies in France"): titles, and the pages worth a sitemap entry.

French titles need grammar English does not: "Agences *de* référencement…" but "Agences
*d'*image de marque", "*en* France" but "*au* Canada", "*aux* États-Unis", "*à* Singapour".
That grammar lives here, in code, so translators only see one sentence with placeholders.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext, ngettext
from slugify import slugify
from sqlalchemy import func, select

from .. import geo, taxonomy
from ..db import db, today
from ..models import Agency, AgencyTag, Office, listed_filter

# Short English names where the taxonomy label makes a clumsy title ("SEO agencies").
SHORT_NAMES_EN = {"seo": "SEO", "conversion-optimization": "Conversion optimization"}

# Countries whose French name takes "aux" (plural), "à" (islands, city-states), or "au"
# although it ends with an "e" (masculine). Everything else: "en" before a vowel or for a
# feminine name (ending in "e"), "au" otherwise.
_FR_AUX = {"US", "NL", "AE", "PH", "SC", "MV", "KM", "BS", "FJ", "MH", "SB", "KY", "VG", "VI"}
_FR_A = {
    "SG", "MC", "MT", "CY", "CU", "MG", "MU", "HK", "MO", "BH", "TW", "SM", "DJ", "PR",
    "TT", "LC", "KN", "VC", "ST", "TO", "WS", "NR", "TV", "KI", "AG", "BB", "GD", "DM",
}  # fmt: skip
_FR_AU_DESPITE_E = {"MX", "KH", "MZ", "ZW", "BZ", "SR"}
_FR_EN_DESPITE_ENDING = {"KR", "KP", "MK", "GW"}
_VOWELS = "aeiouyàâäéèêëîïôöùûüœh"


def in_country(code: str, language: str) -> str:
    """ "in France" / "en France", "au Canada", "aux États-Unis", "à Singapour"."""
    name = geo.country_name(code, language)
    if language != "fr":
        return gettext("in %(country)s", country=name)
    if code in _FR_AUX or name.startswith("Îles"):
        preposition = "aux"
    elif code in _FR_A:
        preposition = "à"
    elif code in _FR_AU_DESPITE_E:
        preposition = "au"
    elif (
        code in _FR_EN_DESPITE_ENDING
        or name[:1].lower() in _VOWELS
        or name.lower().endswith("e")
        or name.startswith("République")
    ):
        preposition = "en"
    else:
        preposition = "au"
    return f"{preposition} {name}"


def service_phrase(service: str, language: str) -> str:
    """The service as it sits in a title: "SEO" / "de référencement naturel (SEO)"."""
    term = taxonomy.SERVICES[service]
    if language != "fr":
        return SHORT_NAMES_EN.get(service, term.label(language))
    label = term.label("fr")
    label = label[:1].lower() + label[1:]
    return f"d’{label}" if label[:1] in _VOWELS else f"de {label}"


def landing_title(service: str, country: str | None, language: str) -> str:
    """ "SEO agencies in France" / "Agences de référencement naturel (SEO) en France"."""
    phrase = service_phrase(service, language)
    if country:
        # Translators: e.g. "SEO agencies in France"; in French "%(service)s" already carries
        # "de"/"d'" and "%(in_country)s" its preposition ("Agences %(service)s %(in_country)s").
        return gettext(
            "%(service)s agencies %(in_country)s",
            service=phrase,
            in_country=in_country(country, language),
        )
    # Translators: e.g. "SEO agencies"; in French "%(service)s" already carries "de"/"d'".
    return gettext("%(service)s agencies", service=phrase)


def landing_pages() -> list[tuple[str, str | None, int]]:
    """(service, country or None, listed agencies) for every landing page with agencies.

    For the sitemap: one row per service with any listed agency (country None), and one per
    (service, country) where a listed agency has an office in that country. Countries are
    ISO codes in upper case; URLs use them lower-cased.
    """
    tagged = (
        select(AgencyTag.value.label("service"), AgencyTag.agency_id)
        .join(Agency, Agency.id == AgencyTag.agency_id)
        .where(AgencyTag.kind == "service", listed_filter())
        .subquery()
    )
    by_service = select(tagged.c.service, func.count(func.distinct(tagged.c.agency_id))).group_by(
        tagged.c.service
    )
    by_country = (
        select(tagged.c.service, Office.country, func.count(func.distinct(tagged.c.agency_id)))
        .join(Office, Office.agency_id == tagged.c.agency_id)
        .group_by(tagged.c.service, Office.country)
    )
    pages: list[tuple[str, str | None, int]] = []
    for service, count in db.session.execute(by_service):
        if service in taxonomy.SERVICES:
            pages.append((service, None, count))
    for service, country, count in db.session.execute(by_country):
        if service in taxonomy.SERVICES and geo.is_country(country):
            pages.append((service, country, count))
    order = list(taxonomy.SERVICES)
    pages.sort(key=lambda p: (order.index(p[0]), p[1] or ""))
    return pages


# --- Service × country and service × city pages ---------------------------------------------

# A city page needs this many listed agencies; fewer make a thin page that only repeats the
# country page (search engines penalise those).
MIN_CITY_AGENCIES = 1


@dataclass(frozen=True)
class LandingPage:
    """One landing page with listed agencies: a service, optionally a country and a city."""

    service: str
    country: str | None
    city: str | None  # the office's city name as written ("Lyon")
    count: int
    lastmod: dt.date | None

    @property
    def city_slug(self) -> str | None:
        """The city as it appears in the URL ("Saint-Étienne" → "saint-etienne")."""
        return city_slug(self.city) if self.city else None

    @property
    def key(self) -> tuple[str, str | None, str | None]:
        """``(service, country, city slug)``, the index key of this page."""
        return (self.service, self.country, self.city_slug)


def city_slug(name: str) -> str:
    """A city name in a URL: transliterated, lower case, hyphens."""
    return slugify(name, backend="text-unidecode", max_length=80) or "-"


@dataclass(frozen=True)
class LandingIndex:
    """Every landing page with listed agencies, by key, computed in one pass."""

    pages: tuple[LandingPage, ...]
    by_key: dict[tuple[str, str | None, str | None], LandingPage]

    def get(self, service: str, country: str | None = None, city: str | None = None):
        """The page for (service, country, city slug), or None when it has no agency."""
        return self.by_key.get((service, country, city))

    def popular(self, limit: int, *, cities: bool) -> list[LandingPage]:
        """The service × city (or × country) pages with the most agencies (home page links)."""
        found = [p for p in self.pages if p.country and bool(p.city) == cities]
        return sorted(found, key=lambda p: (-p.count, p.service, p.country, p.city or ""))[:limit]

    def for_agency(self, services: list[str], offices) -> list[LandingPage]:
        """The country and city pages an agency appears on (profile links), cities first."""
        found: dict[tuple, LandingPage] = {}
        for service in services:
            for office in offices:
                keys = [(service, office.country, city_slug(office.city))] if office.city else []
                for key in [*keys, (service, office.country, None)]:
                    page = self.by_key.get(key)
                    if page is not None:
                        found.setdefault(key, page)
        return sorted(found.values(), key=lambda p: (p.city is None, -p.count))


def compute_landing_index() -> LandingIndex:
    """Count listed agencies per service, service × country and service × city (3 queries)."""
    # The listed ids as one uncorrelated subquery: evaluated once, not per tag row (half the
    # time at 100,000 agencies on SQLite).
    listed = select(Agency.id).where(listed_filter()).scalar_subquery()
    tagged = (
        select(
            AgencyTag.value.label("service"),
            Agency.id.label("agency_id"),
            Agency.updated_at.label("updated_at"),
        )
        .join(Agency, Agency.id == AgencyTag.agency_id)
        .where(AgencyTag.kind == "service", AgencyTag.agency_id.in_(listed))
        .subquery()
    )
    count = func.count(func.distinct(tagged.c.agency_id))
    newest = func.max(tagged.c.updated_at)
    queries = (
        select(tagged.c.service, count, newest).group_by(tagged.c.service),
        select(tagged.c.service, Office.country, count, newest)
        .join(Office, Office.agency_id == tagged.c.agency_id)
        .group_by(tagged.c.service, Office.country),
        select(tagged.c.service, Office.country, Office.city, count, newest)
        .join(Office, Office.agency_id == tagged.c.agency_id)
        .where(Office.city.is_not(None), Office.city != "")
        .group_by(tagged.c.service, Office.country, Office.city),
    )
    pages: list[LandingPage] = []
    for query in queries:
        for row in db.session.execute(query):
            service, *place, n, modified = row
            country, city = [*place, None, None][:2]
            if service not in taxonomy.SERVICES or (country and not geo.is_country(country)):
                continue
            if city and n < MIN_CITY_AGENCIES:
                continue
            if isinstance(modified, str):  # SQLite hands MAX() back as text on some versions
                modified = dt.datetime.fromisoformat(modified)
            day = modified.date() if isinstance(modified, dt.datetime) else None
            pages.append(LandingPage(service, country, city, n, day))
    by_key: dict = {}
    for page in pages:
        # Two spellings of one city ("Saint-Etienne", "Saint-Étienne") share a URL: the first
        # wins the title, the counts stay each spelling's own (rare; an import normalises them).
        by_key.setdefault(page.key, page)
    return LandingIndex(tuple(pages), by_key)


_refreshing = threading.Lock()
log = logging.getLogger(__name__)


def refresh_in_background(lock: threading.Lock, work: Callable[[], None]) -> None:
    """Run ``work()`` in a daemon thread inside this app's context, then release ``lock``
    (which the caller acquired): a stale cache is rebuilt while visitors keep the old one."""
    app = current_app._get_current_object()

    def run() -> None:
        try:
            with app.app_context():
                work()
        except Exception:  # a failed refresh keeps the stale value; the next one retries
            log.exception("background refresh failed")
        finally:
            lock.release()
            running.discard(thread)

    running = app.extensions.setdefault("background_refreshes", set())
    thread = threading.Thread(target=run, name="cache-refresh", daemon=True)
    running.add(thread)
    thread.start()


def join_background_refreshes(app, timeout: float = 30.0) -> None:
    """Wait for this app's background refreshes to end (tests, before they empty the
    database: a refresh still reading would deadlock with ``TRUNCATE`` on PostgreSQL)."""
    for thread in list(app.extensions.get("background_refreshes", ())):
        thread.join(timeout)


def landing_index() -> LandingIndex:
    """``compute_landing_index``, cached in-process for ``HOME_CACHE_SECONDS``; once stale it is
    recomputed in the background (seconds at 100,000 agencies) while requests use the old one.
    A new day, or a ``HOME_CACHE_SECONDS`` of 0, computes it in the request."""
    ttl = current_app.config.get("HOME_CACHE_SECONDS", 60)
    cache = current_app.extensions.setdefault("landing_index_cache", {})
    day = today()
    hit = cache.get(day)

    def store() -> LandingIndex:
        index = compute_landing_index()
        cache.clear()
        cache[day] = (time.monotonic(), index)
        return index

    if not ttl or hit is None:
        return store()
    if time.monotonic() - hit[0] >= ttl and _refreshing.acquire(blocking=False):
        refresh_in_background(_refreshing, store)
    return hit[1]


def landing_city_title(service: str, city: str, language: str) -> str:
    """ "SEO agencies in Lyon" / "Agences de référencement naturel (SEO) à Lyon"."""
    # Translators: e.g. "SEO agencies in Lyon"; in French "%(service)s" already carries "de"/"d'".
    return gettext(
        "%(service)s agencies in %(city)s", service=service_phrase(service, language), city=city
    )


def landing_description(page: LandingPage, language: str) -> str:
    """The meta description of a landing page: how many agencies, where, and what to compare."""
    service = service_phrase(page.service, language)
    if page.city:
        country = geo.country_name(page.country, language)
        where = gettext("in %(city)s (%(country)s)", city=page.city, country=country)
    elif page.country:
        where = in_country(page.country, language)
    else:
        # Translators: e.g. "12 listed SEO agencies: compare partner tiers…"
        return ngettext(
            "%(num)d listed %(service)s agency: compare partner tiers, locations and verified "
            "client reviews, then contact it directly.",
            "%(num)d listed %(service)s agencies: compare partner tiers, locations and verified "
            "client reviews, then contact them directly.",
            page.count,
            service=service,
        )
    # Translators: e.g. "4 listed SEO agencies in Lyon (France): compare…"; in French
    # "%(service)s" carries "de"/"d'" and "%(where)s" its preposition ("à Lyon (France)").
    return ngettext(
        "%(num)d listed %(service)s agency %(where)s: compare partner tiers, services and "
        "verified client reviews, then contact it directly.",
        "%(num)d listed %(service)s agencies %(where)s: compare partner tiers, services and "
        "verified client reviews, then contact them directly.",
        page.count,
        service=service,
        where=where,
    )


def page_title(page: LandingPage, language: str | None = None) -> str:
    """The title of a landing page in ``language`` (default: the current one)."""
    language = language or taxonomy.current_language()
    if page.city:
        return landing_city_title(page.service, page.city, language)
    return landing_title(page.service, page.country, language)
