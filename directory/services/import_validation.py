"""Validation of one import line (shared/import-format.md) into a clean, typed record.

Pure functions, no database: a line either yields an ``AgencyRecord`` whose every value the
schema accepts, or a list of ``(field, reason)`` problems. The importer writes only records.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pycountry

from ..taxonomy import (
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

SLUG_RE = re.compile(r"[a-z0-9-]{2,80}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
EMAIL_RE = re.compile(r"[^@\s<>\"'()\[\],;:\\]{1,64}@(?=.{1,253}$)([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ().\-/]{2,38}")
# Markup is refused, not stripped (see docs/import.md): a tag-like "<x", "</", "<!" or "<?";
# Markdown autolinks such as <https://example.com> stay allowed.
MARKUP_RE = re.compile(r"<(?!https?://[^\s<>]*>)(?!mailto:[^\s<>]*>)[A-Za-z/!?]")
# Control characters (newlines allowed only in multi-line fields) and bidi overrides.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
NEWLINE_RE = re.compile(r"[\r\n\t]")
SPACE_RE = re.compile(r"\s")
SUSPECT_RE = re.compile(r"[\x00-\x1f\x7f<\u202a-\u202e\u2066-\u2069]")
# The same without the tab and new lines a multi-line field may hold.
SUSPECT_MULTILINE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f<\u202a-\u202e\u2066-\u2069]")
# URLs that urlsplit certainly accepts (scheme http/https, a host name, no credentials, no
# port, no space): checked by one regex instead of a urlsplit; anything else takes the long way.
PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:/[^\s@?#\\]*)?")
_SLOW = object()  # a fast path's "cannot decide": the full check runs and says why
_DATES: dict[str, dt.date] = {}  # valid date strings already parsed (a few thousand at most)

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
MAX_LIST = 100  # items in any array; far above any real profile
MAX_REVIEWS = 1000
MAX_MONEY = 1_000_000_000  # stays inside a 32-bit INTEGER column on PostgreSQL
MAX_RATE = 100_000


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


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 codes (what ``geo.is_language`` accepts), as a set for fast checks."""
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (what ``geo.is_country`` accepts)."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


def _short(value: Any, limit: int = 40) -> str:
    """A terminal-safe, length-capped rendering of a bad value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: Any) -> str:
    names = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _plain(value: Any, max_len: int, multiline: bool = False) -> Any:
    """The fast path of ``_Checker.text`` for a value it accepts as is.

    Returns the cleaned text, ``None`` for an absent or empty value, or ``_SLOW`` when the
    full check must run (wrong type, too long, anything suspect): it alone reports problems,
    so both paths accept exactly the same values and store exactly the same text.
    """
    if value is None:
        return None
    if type(value) is not str or len(value) > max_len:
        return _SLOW
    if not value.isascii():
        value = _nfc("NFC", value)
        if len(value) > max_len:
            return _SLOW
    value = value.strip()
    if (_suspect_multiline if multiline else _suspect)(value):
        return _SLOW
    return value or None


_nfc = unicodedata.normalize
_suspect = SUSPECT_RE.search
_suspect_multiline = SUSPECT_MULTILINE_RE.search


def _date_or_slow(value: Any) -> Any:
    """A valid ``YYYY-MM-DD`` string as a date (cached), ``None`` if absent, else ``_SLOW``."""
    if value is None:
        return None
    date = _DATES.get(value) if type(value) is str else None
    if date is not None:
        return date
    if type(value) is not str or not DATE_RE.fullmatch(value):
        return _SLOW
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        return _SLOW
    if len(_DATES) < 100_000:
        _DATES[value] = date
    return date


class _Checker:
    """Collects problems while reading typed values out of a JSON object."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, path: str, reason: str) -> None:
        self.errors.append((path, reason))

    def text(
        self,
        obj: dict,
        key: str,
        path: str,
        max_len: int,
        *,
        required: bool = False,
        multiline: bool = False,
    ) -> str | None:
        value = obj.get(key)
        fast = _plain(value, max_len, multiline)
        if fast is not _SLOW and (fast is not None or not required):
            return fast
        if value is None:
            if required:
                self.fail(path + key, "is required")
            return None
        if type(value) is not str:
            self.fail(path + key, f"must be a string, not {_type_name(value)}")
            return None
        if len(value) > max_len * 4:  # cheap bound before any scan of a huge string
            self.fail(path + key, f"is too long ({len(value)} characters, at most {max_len})")
            return None
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
        value = value.strip()
        if not value:
            if required:
                self.fail(path + key, "must not be empty")
            return None
        if len(value) > max_len:
            self.fail(path + key, f"is too long ({len(value)} characters, at most {max_len})")
            return None
        if not SUSPECT_RE.search(value):  # the common case: nothing below can fail
            return value
        if CONTROL_RE.search(value) or (not multiline and NEWLINE_RE.search(value)):
            self.fail(path + key, "contains control characters")
            return None
        match = MARKUP_RE.search(value)
        if match:
            snippet = value[match.start() : match.start() + 12]
            self.fail(path + key, f"contains HTML markup ({_short(snippet)}); plain text only")
            return None
        return value

    def integer(
        self, obj: dict, key: str, path: str, low: int, high: int, *, required: bool = False
    ) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(path + key, "is required")
            return None
        if type(value) is not int:  # a bool is an int in Python, not in the contract
            self.fail(path + key, f"must be an integer, not {_type_name(value)}")
            return None
        if not low <= value <= high:
            self.fail(path + key, f"must be between {low} and {high}, not {_short(value)}")
            return None
        return value

    def number(self, obj: dict, key: str, path: str, low: float, high: float) -> float | None:
        value = obj.get(key)
        if value is None:
            return None
        if type(value) not in (int, float) or not math.isfinite(value):
            self.fail(path + key, f"must be a number, not {_type_name(value)}")
            return None
        if not low <= value <= high:
            self.fail(path + key, f"must be between {low:g} and {high:g}, not {_short(value)}")
            return None
        return float(value)

    def enum(
        self, obj: dict, key: str, allowed, *, required: bool = False, default: str | None = None
    ) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(key, "is required")
            return default
        if type(value) is not str:
            self.fail(key, f"must be a string, not {_type_name(value)}")
        elif value not in allowed:
            self.fail(key, f"unknown value {_short(value)} (one of: {', '.join(allowed)})")
        else:
            return value
        return None

    def date(self, obj: dict, key: str, path: str, *, required: bool = False) -> dt.date | None:
        value = obj.get(key)
        fast = _date_or_slow(value)
        if fast is not _SLOW and fast is not None:
            return fast
        if value is None:
            if required:
                self.fail(path + key, "is required")
            return None
        if type(value) is not str or not DATE_RE.fullmatch(value):
            self.fail(path + key, f"must be a date YYYY-MM-DD, not {_short(value)}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(path + key, f"is not a real date: {_short(value)}")
            return None

    def array(self, obj: dict, key: str, *, required: bool = False) -> list:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(key, "is required (at least one)")
            return []
        if type(value) is not list:
            self.fail(key, f"must be an array, not {_type_name(value)}")
            return []
        if required and not value:
            self.fail(key, "must have at least one item")
        limit = MAX_REVIEWS if key == "reviews" else MAX_LIST
        if len(value) > limit:
            self.fail(key, f"has {len(value)} items, at most {limit}")
            return []
        return value

    def slugs(self, obj: dict, key: str, vocabulary, *, required: bool = False) -> list[str]:
        items = obj.get(key)
        if type(items) is list and 0 < len(items) <= MAX_LIST and _all_known(items, vocabulary):
            return list(dict.fromkeys(items))  # the common case, duplicates dropped
        items = self.array(obj, key, required=required)
        if not items:
            return []
        found: list[str] = []
        for i, item in enumerate(items):
            where = f"{key}[{i}]"
            if type(item) is not str:
                self.fail(where, f"must be a string, not {_type_name(item)}")
            elif item not in vocabulary and key == "languages":
                self.fail(where, f"unknown language code {_short(item)} (ISO 639-1, lower case)")
            elif item not in vocabulary:
                self.fail(where, f"unknown slug {_short(item)}")
            elif item not in found:
                found.append(item)
        return found


def _all_known(items: list, vocabulary: frozenset[str]) -> bool:
    """Whether every item is one of the vocabulary's strings (a set operation, in C)."""
    try:
        return vocabulary.issuperset(items)  # only str members: any other item fails
    except TypeError:  # an unhashable item (a list or object): the full check reports it
        return False


def validate_line(obj: Any, today: dt.date) -> tuple[AgencyRecord | None, list[tuple[str, str]]]:
    """Check one parsed line against the contract: a record, or the problems found."""
    if type(obj) is not dict:
        return None, [("", f"expected a JSON object, got {_type_name(obj)}")]
    c = _Checker()
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
    reviews = _reviews(c, obj, today)
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
        warnings=warnings,
    )
    return record, []


def _slug(c: _Checker, obj: dict) -> str | None:
    value = obj.get("slug")
    if value is None:
        return None
    if type(value) is not str or not SLUG_RE.fullmatch(value):
        c.fail("slug", f"must match [a-z0-9-]{{2,80}}, not {_short(value)}")
        return None
    return value


def _website(c: _Checker, obj: dict) -> str | None:
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
        c.fail("website", f"must be an http:// or https:// URL, not {_short(value)}")
        return None
    return value


def _email(c: _Checker, obj: dict) -> str | None:
    value = c.text(obj, "email", "", 254)
    if value is not None and not EMAIL_RE.fullmatch(value):
        c.fail("email", f"is not an email address: {_short(value)}")
        return None
    if value is None:
        return None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone(c: _Checker, obj: dict) -> str | None:
    value = c.text(obj, "phone", "", 40)
    if value is not None and not PHONE_RE.fullmatch(value):
        c.fail("phone", f"must be digits with + ( ) . - / and spaces, not {_short(value)}")
        return None
    return value


def _hourly_rate(c: _Checker, obj: dict) -> tuple[int | None, int | None]:
    value = obj.get("hourly_rate_usd")
    if value is None:
        return None, None
    if (
        type(value) is not list
        or len(value) != 2
        or any(type(v) is not int or not 0 <= v <= MAX_RATE for v in value)
    ):
        c.fail(
            "hourly_rate_usd", f"must be [low, high], integers 0…{MAX_RATE}, not {_short(value)}"
        )
        return None, None
    if value[0] > value[1]:
        c.fail("hourly_rate_usd", f"low is above high: {_short(value)}")
        return None, None
    return value[0], value[1]


def _locations(c: _Checker, obj: dict) -> list[dict]:
    offices = []
    for i, loc in enumerate(c.array(obj, "locations", required=True)):
        path = f"locations[{i}]."
        if type(loc) is not dict:
            c.fail(f"locations[{i}]", f"must be an object, not {_type_name(loc)}")
            continue
        country = loc.get("country")
        if country is None:
            c.fail(f"{path}country", "is required")
        elif type(country) is not str or country not in country_codes():
            c.fail(f"{path}country", f"unknown country code {_short(country)}")
        hq = loc.get("headquarters", False)
        if type(hq) is not bool:
            c.fail(f"{path}headquarters", f"must be true or false, not {_type_name(hq)}")
        offices.append(
            {
                "country": country,
                "region": c.text(loc, "region", path, 120),
                "city": c.text(loc, "city", path, 120),
                "lat": c.number(loc, "lat", path, -90, 90),
                "lng": c.number(loc, "lng", path, -180, 180),
                "is_headquarters": hq is True,
                "position": i,
            }
        )
    marked = sum(o["is_headquarters"] for o in offices)
    if marked > 1:
        c.fail("locations", f"{marked} locations are marked headquarters; exactly one may be")
    elif offices and not marked:
        offices[0]["is_headquarters"] = True
    return offices


def _certification(c: _Checker, obj: dict) -> dict | None:
    cert = obj.get("inbound_certification")
    if cert is None:
        return None
    if type(cert) is not dict:
        c.fail("inbound_certification", f"must be an object, not {_type_name(cert)}")
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


def _reviews(c: _Checker, obj: dict, today: dt.date) -> list[dict]:
    reviews: list[dict] = []
    seen: dict[str, int] = {}
    latest = today + dt.timedelta(days=1)
    for i, rev in enumerate(c.array(obj, "reviews")):
        review = _fast_review(rev, latest)
        if review is not None and review["external_id"] not in seen:
            seen[review["external_id"]] = i
            reviews.append(review)
            continue
        path = f"reviews[{i}]."
        if type(rev) is not dict:
            c.fail(f"reviews[{i}]", f"must be an object, not {_type_name(rev)}")
            continue
        review = {
            "external_id": c.text(rev, "external_id", path, 64, required=True),
            "author_name": c.text(rev, "author_name", path, 120, required=True),
            "author_company": c.text(rev, "author_company", path, 120),
            "rating": c.integer(rev, "rating", path, 1, 5, required=True),
            "quality": c.integer(rev, "quality", path, 1, 5),
            "schedule": c.integer(rev, "schedule", path, 1, 5),
            "cost": c.integer(rev, "cost", path, 1, 5),
            "willing_to_refer": c.integer(rev, "willing_to_refer", path, 0, 10),
            "title": c.text(rev, "title", path, 200) or "",
            "body": c.text(rev, "body", path, 5000, multiline=True) or "",
            "submitted_on": c.date(rev, "submitted_on", path, required=True),
        }
        if review["submitted_on"] and review["submitted_on"] > today + dt.timedelta(days=1):
            c.fail(f"{path}submitted_on", "is in the future")
        key = review["external_id"]
        if key is not None and key in seen:
            c.fail(f"{path}external_id", f"duplicates reviews[{seen[key]}].external_id")
        elif key is not None:
            seen[key] = i
        reviews.append(review)
    return reviews


def _fast_review(rev: Any, latest: dt.date) -> dict | None:
    """A review every value of which passes as is, or ``None``: the full check then runs.

    The hot path of a large import (several reviews a line): no per-field method calls, no
    problem bookkeeping. It builds the same dict, in the same key order, as ``_reviews``.
    """
    if type(rev) is not dict:
        return None
    get = rev.get
    rating = get("rating")
    if type(rating) is not int or not 1 <= rating <= 5:
        return None
    for key, high in _REVIEW_SCORES:
        value = get(key)
        if value is not None and (type(value) is not int or not 1 <= value <= high):
            return None
    refer = get("willing_to_refer")
    if refer is not None and (type(refer) is not int or not 0 <= refer <= 10):
        return None
    submitted_on = _date_or_slow(get("submitted_on"))
    if submitted_on is _SLOW or submitted_on is None or submitted_on > latest:
        return None
    external_id = _plain(get("external_id"), 64)
    author_name = _plain(get("author_name"), 120)
    author_company = _plain(get("author_company"), 120)
    title = _plain(get("title"), 200)
    body = _plain(get("body"), 5000, True)
    if (
        external_id is None
        or external_id is _SLOW
        or author_name is None
        or author_name is _SLOW
        or author_company is _SLOW
        or title is _SLOW
        or body is _SLOW
    ):
        return None
    return {
        "external_id": external_id,
        "author_name": author_name,
        "author_company": author_company,
        "rating": rating,
        "quality": get("quality"),
        "schedule": get("schedule"),
        "cost": get("cost"),
        "willing_to_refer": get("willing_to_refer"),
        "title": title or "",
        "body": body or "",
        "submitted_on": submitted_on,
    }


# Optional review scores: (key, highest value); the lowest is 1, except willing_to_refer's 0.
_REVIEW_SCORES = (("quality", 5), ("schedule", 5), ("cost", 5))
