"""Search routes: results with facets, service landing pages, suggestions as you type.

Each view parses the request into a ``SearchQuery``, asks the backend once, loads the agencies
of the hits in rank order with one query (``listings.load_agencies``), and renders.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ... import geo, taxonomy
from ...extensions import limiter
from ...listings import load_agencies
from ...search.base import SearchUnavailable
from ...search.landing import (
    LandingPage,
    city_slug,
    landing_city_title,
    landing_description,
    landing_index,
    landing_title,
)
from ...search.params import SearchParams, parse_search_args
from ...search.suggest import MAX_SUGGESTIONS, suggest_index
from ...search.values import clean_text
from ...search.where import merge_where
from ...seo import json_ld
from ...services.insights.counters import count_appearances
from ...services.search_analytics import normalize_query, record_search
from ...taxonomy import current_language
from .._searching import RETRY_AFTER_SECONDS, run_search, run_understood
from .blueprint import bp
from .empty import empty_state_suggestions
from .page import Page, build_page, item_list_ld
from .state import state_url

# Suggestion kinds a box may ask for alone (``?kind=place``).
SUGGESTION_KINDS = frozenset({"place"})


@bp.get("/search")
def results():
    """The search page: query, facets, sort, results and pagination."""
    args, where = merge_where(request.args)
    if (where is None and "where" in request.args) or (where is not None and where.complete):
        # Every word of "where" is a place: the same search as typed after the words in q
        # (a blank "where", sent by the home's form without JavaScript, is dropped).
        return redirect(url_for(".results", **args.to_dict(flat=False)), 302)
    params = parse_search_args(args, query_string=request.query_string)
    if params.understood and where is not None:
        # The page says what "where" missed; the box keeps the service as typed.
        params = replace(params, typed=args.get("q", ""))
    elif params.understood:
        # "seo" typed in the box: show that service's page (or the search with it ticked).
        found = landing_index().get(params.understood)
        record_search(request.args.get("q"), found.count if found else 0)
        return redirect(state_url(params.to_args()), 302)
    text = params.query.text
    heading = _("Results for “%(text)s”", text=text) if text else _("Find an agency")
    description = _("Compare agencies by service, location, partner tier and client reviews.")
    return _render(
        params, heading=heading, description=description, landing=None, where=where, args=args
    )


@bp.get("/services/<service>")
def service_landing(service: str):
    """Agencies offering one service, anywhere."""
    if service not in taxonomy.SERVICES:
        abort(404)
    return _landing(service, None, landing_index().get(service))


@bp.get("/services/<service>/<country>")
def service_country_landing(service: str, country: str):
    """Agencies offering one service in one country (ISO code, lower case in the URL)."""
    code = country.upper()
    if service not in taxonomy.SERVICES or not geo.is_country(code):
        abort(404)
    if country != code.lower():
        # The query string is carried as is: passed to url_for, a ``service`` or ``country``
        # parameter would collide with the path's own values.
        target = url_for(".service_country_landing", service=service, country=code.lower())
        query = request.query_string.decode("ascii", "replace")
        return redirect(f"{target}?{query}" if query else target, 301)
    found = landing_index().get(service, code)
    if found is None:
        # No listed agency there: the broader page (302: one may be listed tomorrow).
        return redirect(url_for(".service_landing", service=service), 302)
    return _landing(service, code, found)


@bp.get("/services/<service>/<country>/<city>")
def service_city_landing(service: str, country: str, city: str):
    """Agencies offering one service in one city; the country page when none is listed there."""
    code = country.upper()
    if service not in taxonomy.SERVICES or not geo.is_country(code):
        abort(404)
    index = landing_index()
    found = index.get(service, code, city_slug(city))
    if found is None:
        if index.get(service, code) is None:
            abort(404)
        target = url_for(".service_country_landing", service=service, country=code.lower())
        return redirect(target, 302)
    if country != code.lower() or city != found.city_slug:
        target = url_for(
            ".service_city_landing", service=service, country=code.lower(), city=found.city_slug
        )
        return redirect(target, 301)
    return _landing(service, code, found)


def _landing(service: str, country: str | None, found: LandingPage | None = None):
    base = {"service": (service,), **({"country": (country,)} if country else {})}
    language = current_language()
    if found is not None and found.city:
        base["city"] = (f"{country}:{found.city}",)
        title = landing_city_title(service, found.city, language)
    else:
        title = landing_title(service, country, language)
    params = parse_search_args(request.args, query_string=request.query_string, base_filters=base)
    intro = _(
        "Listed agencies, ranked by how well they match, their partner tier and their "
        "clients' reviews."
    )
    description = landing_description(found, language) if found is not None else title
    return _render(params, heading=title, intro=intro, description=description, landing=base)


def _render(params: SearchParams, args: MultiDict | None = None, **context):
    try:
        params, result = run_understood(params, run_search)
        agencies = load_agencies(hit.id for hit in result.hits)
        suggestions = empty_state_suggestions(params, run_search) if not result.total else []
    except SearchUnavailable:
        return _unavailable()
    page: Page = build_page(params, result, agencies)
    count_appearances((card.agency.id, card.rank) for card in page.cards)
    typed = (args or request.args).get("q", "") if context.get("landing") is None else ""
    if typed:
        if params.query.page == 1:  # the next pages are the same search
            record_search(typed, result.total)
        # Result links carry the query, so opening one counts as a click on it (no cookie).
        context["search_marker"] = normalize_query(typed)
    if context.get("landing") and page.indexable:
        context["structured_data"] = json_ld(item_list_ld(context["heading"], page))
    # A page past the end is still a page (noindex), with the way back to the last one.
    return render_template(
        "search/results.html", page=page, suggestions=suggestions, **_helpers(), **context
    )


def _helpers() -> dict:
    language = current_language()
    return {
        "service_terms": sorted(
            {term.label(language) for term in taxonomy.SERVICES.values()}, key=geo.fold
        ),
        "format_km": lambda km: format_decimal(round(km), format="#,##0"),
    }


def _unavailable():
    response = Response(render_template("search/unavailable.html"), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/search/suggest")
@limiter.limit("120 per minute")
def suggest():
    """Suggestions as you type: services, places and agencies by prefix (never a search)."""
    text = clean_text(request.args.get("q", ""), 100)
    groups = suggest_index().lookup(text) if text else []
    kind = request.args.get("kind")
    if kind in SUGGESTION_KINDS:  # the home page's "where" box: places only
        groups = [(name, found) for name, found in groups if name == kind]
    language = current_language()
    items = [_suggestion(kind, found, language) for kind, found in _diverse(groups)]
    response = jsonify({"query": text, "suggestions": items})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _diverse(groups: list) -> list:
    """At most ``MAX_SUGGESTIONS``, taken a rank at a time from each kind, shown by kind."""
    picked: set[tuple[str, int]] = set()
    rank = 0
    while len(picked) < MAX_SUGGESTIONS and any(rank < len(found) for _, found in groups):
        for kind, found in groups:
            if rank < len(found) and len(picked) < MAX_SUGGESTIONS:
                picked.add((kind, rank))
        rank += 1
    return [
        (kind, item)
        for kind, found in groups
        for i, item in enumerate(found)
        if (kind, i) in picked
    ]


def _suggestion(kind: str, found, language: str) -> dict:
    """One suggestion as JSON: what to show, and where choosing it goes."""
    if kind == "agency":
        city, _sep, country = found.detail.rpartition(", ")
        where = ", ".join(x for x in (city, geo.country_name(country)) if x) if country else ""
        url = url_for("public.agency", slug=found.value)
        return {"kind": "agency", "label": found.en, "detail": where, "url": url}
    entries = found.entries if kind == "combo" else (found,)
    filters: dict[str, list[str]] = {}
    for entry in entries:
        filters.setdefault(entry.kind, []).append(entry.value)
    detail = [geo.country_name(e.detail) for e in entries if e.kind == "city"]
    count = found.count
    detail.append(ngettext("%(num)s agency", "%(num)s agencies", count))
    label = " · ".join(entry.label(language) for entry in entries)
    return {
        "kind": kind,
        "label": label,
        "detail": " · ".join(detail),
        "url": state_url(MultiDict([(k, v) for k, values in filters.items() for v in values])),
        "filters": filters,
    }
