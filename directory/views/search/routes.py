"""Search routes: results with facets, service landing pages, suggestions as you type.

Each view parses the request into a ``SearchQuery``, asks the backend once, loads the agencies
of the hits in rank order with one query (``listings.load_agencies``), and renders.
"""

from __future__ import annotations

import contextlib

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from ... import geo, taxonomy
from ...db import db
from ...extensions import limiter
from ...listings import load_agencies
from ...models import Agency, listed_filter
from ...search.base import SearchQuery, SearchUnavailable
from ...search.landing import landing_title
from ...search.params import SearchParams, parse_search_args
from ...search.values import clean_text
from ...seo import json_ld
from ...taxonomy import current_language
from .._searching import RETRY_AFTER_SECONDS, run_search, run_understood
from .blueprint import bp
from .empty import empty_state_suggestions
from .page import Page, build_page, item_list_ld
from .state import state_url

SUGGEST_LIMIT = 5


@bp.get("/search")
def results():
    """The search page: query, facets, sort, results and pagination."""
    params = parse_search_args(request.args, query_string=request.query_string)
    if params.understood:
        # "seo" typed in the box: show that service's page (or the search with it ticked).
        return redirect(state_url(params.to_args()), 302)
    text = params.query.text
    heading = _("Results for “%(text)s”", text=text) if text else _("Find an agency")
    description = _("Compare agencies by service, location, partner tier and client reviews.")
    return _render(params, heading=heading, description=description, landing=None)


@bp.get("/services/<service>")
def service_landing(service: str):
    """Agencies offering one service, anywhere."""
    if service not in taxonomy.SERVICES:
        abort(404)
    return _landing(service, None)


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
    return _landing(service, code)


def _landing(service: str, country: str | None):
    base = {"service": (service,), **({"country": (country,)} if country else {})}
    params = parse_search_args(request.args, query_string=request.query_string, base_filters=base)
    title = landing_title(service, country, current_language())
    intro = _(
        "Listed agencies, ranked by how well they match, their partner tier and their "
        "clients' reviews."
    )
    return _render(params, heading=title, intro=intro, description=title, landing=base)


def _render(params: SearchParams, **context):
    try:
        params, result = run_understood(params, run_search)
        agencies = load_agencies(hit.id for hit in result.hits)
        suggestions = empty_state_suggestions(params, run_search) if not result.total else []
    except SearchUnavailable:
        return _unavailable()
    page: Page = build_page(params, result, agencies)
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
    """Suggestions as you type: matching services (from the taxonomy) and agency names."""
    text = clean_text(request.args.get("q", ""), 100)
    items: list[dict] = []
    if text:
        items.extend(_service_suggestions(text))
        # Without the engine, services still help; names come back with it.
        with contextlib.suppress(SearchUnavailable):
            items.extend(_agency_suggestions(text))
    response = jsonify({"query": text, "suggestions": items})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _service_suggestions(text: str) -> list[dict]:
    folded = geo.fold(text)
    language = current_language()
    found = []
    for term in taxonomy.SERVICES.values():
        names = (term.label(language), term.en, term.fr, *term.synonyms)
        if any(folded in geo.fold(name) for name in names):
            found.append(
                {
                    "kind": "service",
                    "label": term.label(language),
                    "value": term.slug,
                    "url": url_for(".service_landing", service=term.slug),
                }
            )
    return found[:SUGGEST_LIMIT]


def _agency_suggestions(text: str) -> list[dict]:
    query = SearchQuery(text=text, per_page=SUGGEST_LIMIT, facets=(), highlight=False)
    ids = [hit.id for hit in run_search(query).hits]
    if not ids:
        return []
    rows = db.session.execute(
        select(Agency.id, Agency.name, Agency.slug).where(Agency.id.in_(ids), listed_filter())
    ).all()
    by_id = {row.id: row for row in rows}
    return [
        {
            "kind": "agency",
            "label": by_id[i].name,
            "value": by_id[i].slug,
            "url": url_for("public.agency", slug=by_id[i].slug),
        }
        for i in ids
        if i in by_id
    ]
