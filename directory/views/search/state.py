"""Search states as URLs: every state is a GET URL, one service (and country) a landing page."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.datastructures import MultiDict

from ...search.base import DEFAULT_PER_PAGE, SearchResult
from ...search.landing import city_slug
from ...search.params import SearchParams

# Beyond this many filter values (or with a place, rating or sort), a state is not indexed.
INDEXABLE_FILTER_VALUES = 2


def state_url(args: MultiDict, *, external: bool = False) -> str:
    """The URL of a search state: a service landing page when the state is exactly one.

    One service (and at most one country), nothing else but page/sort/per_page → the landing
    page, so pagination on a landing page stays there and ``/search?service=seo`` has one
    canonical address.
    """
    services = args.getlist("service")
    countries = args.getlist("country")
    cities = args.getlist("city")
    others = set(args) - {"service", "country", "city", "page", "sort", "per_page"}
    extra = {k: args.getlist(k) for k in ("sort", "per_page", "page") if k in args}
    # A city page is one service, one country and one city of that country ("FR:Lyon").
    city = _city_of(cities, countries)
    if len(services) == 1 and len(countries) <= 1 and not others and (city or not cities):
        if city:
            endpoint = "search.service_city_landing"
            values = {"country": countries[0].lower(), "city": city_slug(city)}
        elif countries:
            endpoint, values = "search.service_country_landing", {"country": countries[0].lower()}
        else:
            endpoint, values = "search.service_landing", {}
        values["service"] = services[0]
    else:
        endpoint, values, extra = "search.results", {}, args.to_dict(flat=False)
    if external:
        base = current_app.config.get("SERVER_NAME_PUBLIC")
        if base:
            return base.rstrip("/") + url_for(endpoint, **values, **extra)
        return url_for(endpoint, _external=True, **values, **extra)
    return url_for(endpoint, **values, **extra)


def _city_of(cities: list[str], countries: list[str]) -> str | None:
    """The city name of a one-city state whose country is the state's one country, or None."""
    if len(cities) != 1 or len(countries) != 1:
        return None
    country, _, name = cities[0].partition(":")
    return name if name and country.upper() == countries[0].upper() else None


def is_indexable(params: SearchParams, result: SearchResult) -> bool:
    """Whether crawlers should index this state: a few filters, no words, default presentation."""
    q = params.query
    values = sum(len(v) for v in q.filters.values())
    filters = q.filters
    city_page = _city_of(list(filters.get("city", ())), list(filters.get("country", ())))
    # A service × city landing page (service, country, city) is one more value, and indexed.
    allowed = INDEXABLE_FILTER_VALUES + (1 if city_page and len(filters) == 3 else 0)
    return (
        result.total > 0
        and q.page <= result.pages
        and values <= allowed
        and not q.text  # free-text result pages are thin content; landing pages index
        and not params.typed  # the same when every word was understood
        and q.min_rating is None
        and q.near is None
        and q.sort == "relevance"
        and q.per_page == DEFAULT_PER_PAGE
        and not params.dropped
    )


def pagination(params: SearchParams, pages: int) -> list[tuple[int | None, str | None]]:
    """Page numbers with URLs; ``(None, None)`` marks a gap."""
    current = params.query.page
    wanted = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    items: list[tuple[int | None, str | None]] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            items.append((None, None))
        items.append((number, state_url(params.to_args(page=number))))
        previous = number
    return items if pages > 1 else []
