"""The sidebar and the active filters: facet groups, filter chips and rating options."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ... import geo, taxonomy
from ...i18n import format_rating
from ...search.base import FACETS, RATING_STEPS, SearchResult
from ...search.params import SearchParams, format_rating_param
from ...search.values import city_name
from .state import state_url

FACET_LEGENDS = {
    "world_region": _l("Region of the world"),
    "country": _l("Country"),
    "city": _l("City"),
    "category": _l("Category"),
    "service": _l("Service"),
    "industry": _l("Industry"),
    "language": _l("Language"),
    "program": _l("Program"),
    "tier": _l("Partner tier"),
    "accreditation": _l("Accreditation"),
    "product": _l("Product expertise"),
    "client_size": _l("Client size"),
    "budget_band": _l("Minimum budget"),
}
# Closed, ordered vocabularies keep their own order; open ones are ordered by count.
VOCABULARIES = {
    "category": taxonomy.CATEGORIES,
    "service": taxonomy.SERVICES,
    "industry": taxonomy.INDUSTRIES,
    "program": taxonomy.PROGRAMS,
    "tier": taxonomy.TIERS,
    "accreditation": taxonomy.ACCREDITATIONS,
    "product": taxonomy.PRODUCTS,
    "client_size": taxonomy.CLIENT_SIZES,
    "budget_band": taxonomy.BUDGET_BANDS,
}
_ORDERED = {"world_region", "program", "tier", "client_size", "budget_band"}
VISIBLE_OPTIONS = 8


def facet_value_label(facet: str, value: str) -> str:
    """The localized label of one facet value."""
    if facet == "world_region":
        return geo.region_name(value)
    if facet == "country":
        return geo.country_name(value)
    if facet == "language":
        return geo.language_name(value)
    if facet in VOCABULARIES:
        return taxonomy.label(VOCABULARIES[facet], value)
    if facet == "city":
        return city_name(value)
    return value


@dataclass
class Option:
    """One facet checkbox."""

    value: str
    label: str
    count: int
    checked: bool
    id: str
    # Read from the words, not chosen: shown ticked but not sent as a filter, so clearing the
    # words drops it (the chip removes it while the words stay).
    understood: bool = False


@dataclass
class FacetGroup:
    """One fieldset of the sidebar."""

    name: str
    legend: str
    options: list[Option]
    more: list[Option]


@dataclass
class Chip:
    """An active filter, as a link that removes it."""

    label: str
    url: str


def facet_groups(params: SearchParams, result: SearchResult) -> list[FacetGroup]:
    groups = []
    for name in FACETS:
        counts = dict(result.facets.get(name, {}))
        selected = params.query.filters.get(name, ())
        understood = params.added.get(name, ())
        for value in selected:
            counts.setdefault(value, 0)
        options = [
            Option(
                value=value,
                label=facet_value_label(name, value),
                count=count,
                checked=value in selected,
                id=f"f-{name}-{_slug_id(value)}",
                understood=value in understood,
            )
            for value, count in counts.items()
            if count > 0 or value in selected
        ]
        if not options:
            continue
        if name == "city":
            _disambiguate_cities(options)
        if name in _ORDERED:
            order = list(VOCABULARIES.get(name, geo.WORLD_REGIONS))
            options.sort(key=lambda o: order.index(o.value) if o.value in order else len(order))
        else:
            options.sort(key=lambda o: (not o.checked, -o.count, geo.fold(o.label)))
        groups.append(
            FacetGroup(
                name=name,
                legend=str(FACET_LEGENDS[name]),
                options=options[:VISIBLE_OPTIONS],
                more=options[VISIBLE_OPTIONS:],
            )
        )
    return groups


def _disambiguate_cities(options: list[Option]) -> None:
    """ "Paris" twice (France, United States) → "Paris (France)", "Paris (United States)"."""
    seen: dict[str, int] = {}
    for option in options:
        seen[option.label] = seen.get(option.label, 0) + 1
    for option in options:
        if seen[option.label] > 1:
            country = geo.country_name(option.value.partition(":")[0])
            option.label = f"{option.label} ({country})"


def _slug_id(value: str) -> str:
    safe = "".join(c if c.isascii() and c.isalnum() else "-" for c in value.lower())
    return f"{safe[:40]}-{hashlib.sha256(value.encode()).hexdigest()[:6]}"


def chips(params: SearchParams) -> list[Chip]:
    q = params.query
    chips = []
    if q.text and params.understanding is None:  # else the understood line shows the words
        chips.append(
            Chip(str(_l("Words: “%(text)s”", text=q.text)), state_url(params.without("q")))
        )
    for name in FACETS:
        for value in params.explicit_filters.get(name, ()):  # understood ones: their own chips
            # Translators: an active filter, e.g. "Country: France" ("Pays : France").
            label = str(
                _l(
                    "%(facet)s: %(value)s",
                    facet=FACET_LEGENDS[name],
                    value=facet_value_label(name, value),
                )
            )
            chips.append(Chip(label, state_url(params.without(name, value))))
    if q.min_rating is not None:
        label = str(_l("Rating: %(rating)s and up", rating=format_rating(q.min_rating)))
        chips.append(Chip(label, state_url(params.without("min_rating"))))
    if q.near is not None:
        chips.append(
            Chip(str(_l("Near: %(place)s", place=params.place)), state_url(params.without("near")))
        )
    return chips


def rating_options(params: SearchParams, result: SearchResult):
    options: list[tuple[str, str, int | None, bool]] = [
        ("", str(_l("Any rating")), None, params.query.min_rating is None)
    ]
    for value in RATING_STEPS:
        key = format_rating_param(value)
        count = result.rating_counts.get(key, result.rating_counts.get(str(value)))
        label = str(_l("%(rating)s and up", rating=format_rating(value)))
        options.append((key, label, count, params.query.min_rating == value))
    return options
