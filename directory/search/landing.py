"""Service landing pages ("SEO agencies in France"): titles, and the pages worth a sitemap entry.

French titles need grammar English does not: "Agences *de* référencement…" but "Agences
*d'*image de marque", "*en* France" but "*au* Canada", "*aux* États-Unis", "*à* Singapour".
That grammar lives here, in code, so translators only see one sentence with placeholders.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import func, select

from .. import geo, taxonomy
from ..db import db
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
