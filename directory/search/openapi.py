"""The OpenAPI 3.1 description of ``/api/v1``, generated from the same vocabularies the
parser checks, so the documented enums can never drift from the accepted values."""

from __future__ import annotations

from .. import geo, taxonomy
from .base import DEFAULT_PER_PAGE, FACETS, MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS
from .params import MAX_PAGE, MAX_PLACE_LENGTH, MAX_VALUES_PER_FACET
from .where import MAX_WHERE_LENGTH

_ENUMS: dict[str, list[str]] = {
    "world_region": list(geo.WORLD_REGIONS),
    "category": list(taxonomy.CATEGORIES),
    "service": list(taxonomy.SERVICES),
    "industry": list(taxonomy.INDUSTRIES),
    "program": list(taxonomy.PROGRAMS),
    "tier": list(taxonomy.TIERS),
    "accreditation": list(taxonomy.ACCREDITATIONS),
    "product": list(taxonomy.PRODUCTS),
    "client_size": list(taxonomy.CLIENT_SIZES),
    "budget_band": list(taxonomy.BUDGET_BANDS),
}
_FACET_NOTES = {
    "country": "ISO 3166-1 alpha-2 code (case-insensitive), e.g. FR.",
    "city": "City name as shown in the facet counts, e.g. Lyon.",
    "language": "ISO 639-1 code, e.g. fr.",
}


def _facet_parameter(name: str) -> dict:
    item: dict = {"type": "string"}
    if name in _ENUMS:
        item["enum"] = _ENUMS[name]
    elif name == "country":
        item["pattern"] = "^[A-Za-z]{2}$"
    elif name == "language":
        item["pattern"] = "^[a-z]{2}$"
    else:
        item["maxLength"] = 120
    description = _FACET_NOTES.get(name, f"Filter on {name.replace('_', ' ')}.")
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Repeat the parameter for several values (OR); "
        "different facets combine with AND.",
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": item, "maxItems": MAX_VALUES_PER_FACET},
    }


def _parameters() -> list[dict]:
    scalar = [
        {
            "name": "q",
            "in": "query",
            "description": "What the visitor typed, in English or French. Services, places, "
            "spoken languages and industries it names are understood as filters "
            "(`query.understood`), filler words (agency, best, in, à…) are dropped, and the "
            "remaining words are looked for in names, taglines, services and cities. Typos "
            "are tolerated. Control characters are removed.",
            "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
        },
        {
            "name": "literal",
            "in": "query",
            "description": "1 to search the words of `q` as words, without understanding them.",
            "schema": {"type": "string", "enum": ["0", "1"]},
        },
        {
            "name": "min_rating",
            "in": "query",
            "description": "Only agencies whose average rating is at least this: a number "
            "from 1 to 5, rounded to the nearest half star. Leave it out for any rating.",
            "schema": {"type": "number", "minimum": 1, "maximum": 5},
        },
        {
            "name": "near",
            "in": "query",
            "description": 'A place name ("Lyon", "Lyon, FR") or "lat,lng"; enables '
            "sort=distance and fills distance_km.",
            "schema": {"type": "string", "maxLength": MAX_PLACE_LENGTH},
        },
        {
            "name": "where",
            "in": "query",
            "description": 'A place ("Lyon", "Allemagne", "Europe"), searched as if typed '
            "after the words of q: it becomes the city, country or region filter. A word "
            "that names no place is refused (unknown_place).",
            "schema": {"type": "string", "maxLength": MAX_WHERE_LENGTH},
        },
        {
            "name": "sort",
            "in": "query",
            "description": "relevance (default) follows the published ranking policy; "
            "distance needs near.",
            "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
        },
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PER_PAGE,
                "default": DEFAULT_PER_PAGE,
            },
        },
        {
            "name": "lang",
            "in": "query",
            "description": "Language of profile URLs and country names.",
            "schema": {"type": "string", "enum": ["en", "fr"], "default": "en"},
        },
    ]
    for item in scalar:
        item.setdefault("required", False)
    return scalar + [_facet_parameter(name) for name in FACETS]


_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_NUMBER = {"type": ["number", "null"]}

_SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Stable machine-readable code.",
                        "examples": [
                            "unknown_value",
                            "out_of_range",
                            "invalid_integer",
                            "invalid_number",
                            "invalid_encoding",
                            "repeated_parameter",
                            "too_long",
                            "too_many_values",
                            "unknown_place",
                            "needs_place",
                            "too_many_requests",
                            "search_unavailable",
                        ],
                    },
                    "message": {"type": "string", "description": "For people (English)."},
                    "field": {"type": "string", "description": "The parameter at fault."},
                },
            }
        },
    },
    "Hit": {
        "type": "object",
        "required": ["id", "slug", "name", "program", "review_count", "hq", "services", "url"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "tagline": _NULLABLE_STRING,
            "program": {"type": "string", "enum": list(taxonomy.PROGRAMS)},
            "tier": {"type": ["string", "null"], "enum": [*taxonomy.TIERS, None]},
            "rating_avg": _NULLABLE_NUMBER,
            "review_count": {"type": "integer"},
            "hq": {
                "type": "object",
                "properties": {
                    "city": _NULLABLE_STRING,
                    "country": _NULLABLE_STRING,
                    "country_name": _NULLABLE_STRING,
                },
            },
            "services": {"type": "array", "items": {"type": "string"}},
            "url": {"type": ["string", "null"], "format": "uri"},
            "highlights": {
                "type": "object",
                "description": "Field → HTML snippet; text is escaped, matches are in <mark>.",
                "additionalProperties": {"type": "string"},
            },
            "distance_km": _NULLABLE_NUMBER,
        },
    },
    "UnderstoodPart": {
        "type": "object",
        "required": ["kind", "facet", "values", "label", "words"],
        "properties": {
            "kind": {
                "type": "string",
                "enum": ["service", "category", "industry", "language", "place"],
            },
            "facet": {"type": "string", "description": "The facet the values filter on."},
            "values": {"type": "array", "items": {"type": "string"}},
            "label": {"type": "string", "description": "Its name in `lang`, e.g. SEO, Lyon."},
            "words": {"type": "string", "description": "The words of `q` it was read from."},
            "typo": {"type": "boolean", "description": "Read through a typo."},
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["hits", "facets", "total", "page", "per_page", "pages", "backend"],
        "properties": {
            "query": {
                "type": "object",
                "description": "The query as understood (normalized).",
                "properties": {
                    "q": {"type": "string"},
                    "filters": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                    "min_rating": {"type": ["number", "null"]},
                    "near": {"type": ["string", "null"]},
                    "sort": {"type": "string", "enum": list(SORTS)},
                    "understood_service": {
                        "type": ["string", "null"],
                        "description": "Set when the whole of q named a service: the search "
                        "ran on service=<slug> instead of the words.",
                    },
                    "typed": {"type": "string", "description": "`q` as it was typed."},
                    "understood": {
                        "type": "array",
                        "description": "What `q` named, in typed order; each part's values are "
                        "in `filters` and its words are not in `q` any more.",
                        "items": {"$ref": "#/components/schemas/UnderstoodPart"},
                    },
                    "literal": {
                        "type": "boolean",
                        "description": "True when `literal=1` asked for the words themselves.",
                    },
                    "fallback": {
                        "type": "boolean",
                        "description": "True when the understood search found nothing and the "
                        "typed words, searched as words, did: the hits are those.",
                    },
                },
            },
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "description": "Facet → value → count. Counts are disjunctive: a facet's own "
                "selection does not narrow its counts.",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                },
            },
            "rating_counts": {
                "type": "object",
                "description": "Minimum rating → agencies rated at least that.",
                "additionalProperties": {"type": "integer"},
            },
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "took_ms": {"type": "number"},
            "backend": {"type": "string"},
            "degraded": {"type": "boolean", "description": "True when a fallback engine answered."},
            "relaxed": {
                "type": "boolean",
                "description": "True when no agency matched every word of `q`: the hits match "
                "fewer; the words left out are in `ignored`.",
            },
            "ignored": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Words of `q` left out (lower case, without accents): those "
                "matching no agency first, then the most common, until some agency matches.",
            },
        },
    },
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document(server: str = "/api/v1") -> dict:
    """The OpenAPI 3.1 document, as a dict ready for ``jsonify``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Services directory API",
            "version": "1.0.0",
            "description": "Read-only search over listed agencies. No authentication; "
            "CORS allows GET from any origin. Only agencies meeting the listing rule are "
            "ever returned.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server}],
        "paths": {
            "/search": {
                "get": {
                    "operationId": "searchAgencies",
                    "summary": "Search listed agencies, with facet counts",
                    "parameters": _parameters(),
                    "responses": {
                        "200": {
                            "description": "A page of results.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchResponse"}
                                }
                            },
                        },
                        "400": _error(
                            "Malformed request: bad encoding, repeated or non-numeric parameter."
                        ),
                        "422": _error(
                            "Well-formed but unacceptable value (unknown facet "
                            "value, out of range, unknown place…)."
                        ),
                        "429": _error("Too many requests (120 a minute per client)."),
                        "503": _error("The search engine is unavailable; see Retry-After."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
        },
        "components": {"schemas": _SCHEMAS},
    }
