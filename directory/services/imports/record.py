"""Validation of one import line (shared/import-format.md) into a clean, typed record.

Pure functions, no database: a line either yields an ``AgencyRecord`` whose every value the
schema accepts, or a list of ``(field, reason)`` problems. The importer writes only records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ... import geo
from ...taxonomy import (
    ACCREDITATIONS,
    CLIENT_SIZES,
    INDUSTRIES,
    PRODUCTS,
    PROGRAMS,
    SERVICES,
    STATUSES,
    TEAM_SIZES,
    TIERS,
)
from ...validators import (
    EMAIL_RE,
    MAX_MONEY,
    MAX_RATE,
    PHONE_RE,
    PLAIN_URL_RE,
    SLUG_RE,
    SPACE_RE,
)
from .case_studies import check_case_studies
from .fields import Checker, country_codes, language_codes, short, type_name
from .reviews import check_reviews

KNOWN_FIELDS = frozenset(
    [
        "external_id",
        "name",
        "slug",
        "tagline",
        "description",
        "website",
        "email",
        "phone",
        "founded",
        "team_size",
        "program",
        "tier",
        "languages",
        "services",
        "industries",
        "products",
        "client_sizes",
        "min_budget_usd",
        "hourly_rate_usd",
        "accreditations",
        "locations",
        "inbound_certification",
        "status",
        "reviews",
        "case_studies",
    ]
)
TAG_FIELDS = {  # contract field → (AgencyTag.kind, vocabulary or None for ISO languages)
    "services": ("service", frozenset(SERVICES)),
    "industries": ("industry", frozenset(INDUSTRIES)),
    "languages": ("language", None),
    "products": ("product", frozenset(PRODUCTS)),
    "client_sizes": ("client_size", frozenset(CLIENT_SIZES)),
    "accreditations": ("accreditation", frozenset(ACCREDITATIONS)),
}


@dataclass
class AgencyRecord:
    """A validated line: agency columns, tags, offices, certification and reviews."""

    external_id: str
    columns: dict[str, Any]
    slug: str | None
    tags: dict[str, list[str]]
    offices: list[dict[str, Any]]
    certification: dict[str, Any] | None
    reviews: list[dict[str, Any]]
    warnings: list[tuple[str, str]] = field(default_factory=list)
    case_studies: list[dict[str, Any]] | None = None  # None: the line leaves them as they are


def validate_line(obj: Any, today: dt.date) -> tuple[AgencyRecord | None, list[tuple[str, str]]]:
    """Check one parsed line against the contract: a record, or the problems found."""
    if type(obj) is not dict:
        return None, [("", f"expected a JSON object, got {type_name(obj)}")]
    c = Checker()
    external_id = c.text(obj, "external_id", "", 64, required=True)
    columns = {
        "name": c.text(obj, "name", "", 120, required=True),
        "tagline": c.text(obj, "tagline", "", 160),
        "description": c.text(obj, "description", "", 5000, multiline=True),
        "website": _website(c, obj),
        "email": _email(c, obj),
        "phone": _phone(c, obj),
        "founded": c.integer(obj, "founded", "", 1800, today.year),
        "team_size": c.enum(obj, "team_size", TEAM_SIZES),
        "program": c.enum(obj, "program", PROGRAMS, required=True),
        "tier": c.enum(obj, "tier", TIERS),
        "status": c.enum(obj, "status", STATUSES, default="published"),
        "min_budget_usd": c.integer(obj, "min_budget_usd", "", 0, MAX_MONEY),
    }
    if columns["tier"] and obj.get("program") == "provider":
        c.fail("tier", "only partners have a tier (program is 'provider')")
    columns["hourly_rate_low_usd"], columns["hourly_rate_high_usd"] = _hourly_rate(c, obj)
    slug = _slug(c, obj)
    tags = {
        kind: c.slugs(obj, key, vocab or language_codes(), required=key == "services")
        for key, (kind, vocab) in TAG_FIELDS.items()
    }
    offices = _locations(c, obj)
    certification = _certification(c, obj)
    reviews = check_reviews(c, obj, today)
    studies, study_warnings = check_case_studies(c, obj)
    if c.errors:
        return None, c.errors
    warnings = [(key, "unknown field, ignored") for key in obj if key not in KNOWN_FIELDS]
    record = AgencyRecord(
        external_id=external_id,
        columns=columns,
        slug=slug,
        tags=tags,
        offices=offices,
        certification=certification,
        reviews=reviews,
        warnings=warnings + study_warnings,
        case_studies=studies,
    )
    return record, []


def _slug(c: Checker, obj: dict) -> str | None:
    value = obj.get("slug")
    if value is None:
        return None
    if type(value) is not str or not SLUG_RE.fullmatch(value):
        c.fail("slug", f"must match [a-z0-9-]{{2,80}}, not {short(value)}")
        return None
    return value


def _website(c: Checker, obj: dict) -> str | None:
    value = c.text(obj, "website", "", 2048)
    if value is None or PLAIN_URL_RE.fullmatch(value):
        return value
    try:
        parts = urlsplit(value)
        valid = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and "@" not in parts.netloc  # no credentials: a classic phishing disguise
            and not SPACE_RE.search(value)
        )
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        valid = False
    if not valid:
        c.fail("website", f"must be an http:// or https:// URL, not {short(value)}")
        return None
    return value


def _email(c: Checker, obj: dict) -> str | None:
    value = c.text(obj, "email", "", 254)
    if value is not None and not EMAIL_RE.fullmatch(value):
        c.fail("email", f"is not an email address: {short(value)}")
        return None
    if value is None:
        return None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone(c: Checker, obj: dict) -> str | None:
    value = c.text(obj, "phone", "", 40)
    if value is not None and not PHONE_RE.fullmatch(value):
        c.fail("phone", f"must be digits with + ( ) . - / and spaces, not {short(value)}")
        return None
    return value


def _hourly_rate(c: Checker, obj: dict) -> tuple[int | None, int | None]:
    value = obj.get("hourly_rate_usd")
    if value is None:
        return None, None
    if (
        type(value) is not list
        or len(value) != 2
        or any(type(v) is not int or not 0 <= v <= MAX_RATE for v in value)
    ):
        c.fail("hourly_rate_usd", f"must be [low, high], integers 0…{MAX_RATE}, not {short(value)}")
        return None, None
    if value[0] > value[1]:
        c.fail("hourly_rate_usd", f"low is above high: {short(value)}")
        return None, None
    return value[0], value[1]


def _locations(c: Checker, obj: dict) -> list[dict]:
    offices = []
    for i, loc in enumerate(c.array(obj, "locations", required=True)):
        path = f"locations[{i}]."
        if type(loc) is not dict:
            c.fail(f"locations[{i}]", f"must be an object, not {type_name(loc)}")
            continue
        country = loc.get("country")
        if country is None:
            c.fail(f"{path}country", "is required")
        elif type(country) is not str or country not in country_codes():
            c.fail(f"{path}country", f"unknown country code {short(country)}")
        hq = loc.get("headquarters", False)
        if type(hq) is not bool:
            c.fail(f"{path}headquarters", f"must be true or false, not {type_name(hq)}")
        office = {
            "country": country,
            "region": c.text(loc, "region", path, 120),
            "city": c.text(loc, "city", path, 120),
            "lat": c.number(loc, "lat", path, -90, 90),
            "lng": c.number(loc, "lng", path, -180, 180),
            "is_headquarters": hq is True,
            "position": i,
        }
        if office["lat"] is None and office["lng"] is None and type(country) is str:
            # The same gazetteer as the dashboard editor: a city is enough to be found "near" it.
            point = geo.locate_office(office["city"], country)
            office["lat"], office["lng"] = point or (None, None)
        offices.append(office)
    marked = sum(o["is_headquarters"] for o in offices)
    if marked > 1:
        c.fail("locations", f"{marked} locations are marked headquarters; exactly one may be")
    elif offices and not marked:
        offices[0]["is_headquarters"] = True
    return offices


def _certification(c: Checker, obj: dict) -> dict | None:
    cert = obj.get("inbound_certification")
    if cert is None:
        return None
    if type(cert) is not dict:
        c.fail("inbound_certification", f"must be an object, not {type_name(cert)}")
        return None
    path = "inbound_certification."
    result = {
        "certificate_id": c.text(cert, "id", path, 64, required=True),
        "issued_on": c.date(cert, "issued_on", path, required=True),
        "expires_on": c.date(cert, "expires_on", path, required=True),
    }
    if result["issued_on"] and result["expires_on"] and result["expires_on"] < result["issued_on"]:
        c.fail(f"{path}expires_on", "is before issued_on")
    return result
