"""The public read-only JSON API (``/api/v1``): search and its OpenAPI description.

Strict where the pages are lenient: a parameter that cannot be honoured is an error with a
code, a message and the field, so a client learns of it instead of getting other results.
"""

from __future__ import annotations

import functools
import json
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, request

from .. import geo
from ..extensions import csrf, limiter
from ..listings import load_agencies
from ..search.base import SearchUnavailable
from ..search.openapi import openapi_document
from ..search.params import ParamError, parse_search_args
from ..search.where import merge_where
from ..urls import public_url
from ._searching import (
    RETRY_AFTER_SECONDS,
    run_search,
    run_understood,
    safe_highlight,
    understood_json,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

LANGUAGES_FOR_URLS = ("en", "fr")


@bp.after_request
def _cors(response):
    # Public, read-only, cookie-less data: any site may read it from a browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


def error(status: int, code: str, message: str, field: str | None = None, headers=None):
    """A JSON error response ``{"error": {"code", "message", "field"}}``."""
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status, headers or {}


@bp.get("/search")
@limiter.limit("120 per minute")
def search():
    """Search listed agencies; same parameters as the search page, plus ``lang``."""
    lang = request.args.get("lang", "en")
    if lang not in LANGUAGES_FOR_URLS:
        return error(422, "unknown_value", "'lang' must be 'en' or 'fr'.", "lang")
    args = request.args.copy()
    args.pop("lang", None)
    args, where = merge_where(args)
    if where is not None and not where.complete:
        words = " ".join(where.left_out) or where.text
        return error(422, "unknown_place", f"No place called '{words[:40]}' was found.", "where")
    try:
        params = parse_search_args(args, strict=True, query_string=request.query_string)
        params, result = run_understood(params, run_search)
        agencies = load_agencies(hit.id for hit in result.hits)
    except ParamError as exc:
        return error(exc.status, exc.code, exc.message, exc.field)
    except SearchUnavailable:
        return error(
            503,
            "search_unavailable",
            "The search engine is not answering; retry in a moment.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
        )
    profile = _profile_url_template(lang)
    hits = [_hit(hit, agencies[hit.id], lang, profile) for hit in result.hits if hit.id in agencies]
    return jsonify(
        {
            "query": {
                "q": params.query.text,
                "filters": {k: list(v) for k, v in params.query.filters.items()},
                "min_rating": params.query.min_rating,
                "near": params.place or None,
                "sort": params.query.sort,
                "understood_service": params.understood,
                "typed": params.typed or params.query.text,
                "understood": understood_json(params, result, lang),
                "literal": params.literal,
                "fallback": params.fallback,
            },
            "hits": hits,
            "facets": result.facets,
            "rating_counts": result.rating_counts,
            "total": result.total,
            "page": params.query.page,
            "per_page": params.query.per_page,
            "pages": result.pages,
            "took_ms": round(result.took_ms, 2),
            "backend": result.backend,
            "degraded": result.degraded,
            "relaxed": result.relaxed,
            "ignored": list(result.ignored),
        }
    )


_SLUG_MARK = "__slug__"


def _profile_url_template(lang: str) -> str:
    """The profile URL with a placeholder for the slug: one ``url_for`` per request, not per hit."""
    return public_url("public.agency", slug=_SLUG_MARK, lang=lang)


def _hit(hit, agency, lang: str, profile: str) -> dict:
    hq = agency.headquarters
    # Slugs are URL-safe ([a-z0-9-]); quote anyway so a surprising one cannot break the URL.
    url = profile.replace(_SLUG_MARK, quote(agency.slug, safe=""))
    return {
        "id": agency.id,
        "slug": agency.slug,
        "name": agency.name,
        "tagline": agency.tagline,
        "program": agency.program,
        "tier": agency.tier,
        "rating_avg": round(agency.rating_avg, 2) if agency.rating_avg is not None else None,
        "review_count": agency.review_count,
        "hq": {
            "city": hq.city if hq else None,
            "country": hq.country if hq else None,
            "country_name": geo.country_name(hq.country, lang) if hq else None,
        },
        "services": agency.services,
        "url": url,
        "highlights": {
            name: str(safe_highlight(snippet, "")) for name, snippet in hit.highlights.items()
        },
        "distance_km": round(hit.distance_km, 1) if hit.distance_km is not None else None,
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    body = _openapi_json(public_url("api.search").removesuffix("/search"))
    return current_app.response_class(body, mimetype="application/json")


@functools.lru_cache(maxsize=8)
def _openapi_json(server: str) -> str:
    """The document serialized once per server URL (it never changes while the app runs)."""
    return json.dumps(openapi_document(server=server), ensure_ascii=False)
