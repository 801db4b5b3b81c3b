"""Request arguments → a validated ``SearchQuery``, for the search pages and the JSON API.

One parser, two temperaments: the HTML pages are *lenient* (unknown values are dropped, pages
clamped, long text cut, so any URL someone shares still renders), the API is *strict* (the
first problem is raised as ``ParamError`` with the offending field, so clients notice).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import MultiDict

from .. import geo
from .base import DEFAULT_PER_PAGE, FACETS, MAX_PER_PAGE, MAX_QUERY_LENGTH, SORTS, SearchQuery
from .understanding import Understanding, content_text, understand
from .values import MAX_CITY_LENGTH, VALIDATORS, clean_text, service_named_by

# Deep pages cost the engine and help nobody; 500 × 20 results is far past any real need.
MAX_PAGE = 500
MAX_VALUES_PER_FACET = 20  # values of one facet group a request may select
MAX_PLACE_LENGTH = 120
SCALARS = ("q", "sort", "page", "per_page", "min_rating", "near", "literal")
LITERAL_ON, LITERAL_OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class ParamError(ValueError):
    """A parameter the strict parser refuses: HTTP ``status``, a code, a message, the field."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status

    def as_dict(self) -> dict:
        """The JSON error body (``{"error": {...}}``)."""
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": body}


@dataclass(frozen=True)
class SearchParams:
    """What the visitor asked for: the ``SearchQuery`` plus what only the page needs."""

    query: SearchQuery
    place: str = ""  # the "near" text as typed, for the form and the chips
    place_unknown: bool = False  # a place was typed but not found
    dropped: tuple[str, ...] = field(default=())  # fields whose values were dropped (lenient)
    understood: str | None = None  # the service the whole text named ("seo" → "seo")
    typed: str = ""  # the words as typed (``query.text`` keeps only those left as text)
    understanding: Understanding | None = None  # set when understood parts filter the query
    added: dict[str, tuple[str, ...]] = field(default_factory=dict)  # filters it added
    literal: bool = False  # the visitor asked for the words, not their meaning
    # The understood query found nothing and the typed words, searched as words, did.
    fallback: bool = False

    @property
    def filter_count(self) -> int:
        """How many filter values are active (facet values, rating, place)."""
        n = sum(len(v) for v in self.query.filters.values())
        return n + (self.query.min_rating is not None) + (self.query.near is not None)

    def to_args(self, **changes) -> MultiDict:
        """URL arguments for this state, canonical order, defaults left out.

        ``changes`` override fields: ``q``, ``page``, ``sort``, ``per_page``, ``min_rating``,
        ``near`` (place text), or a facet name mapped to a tuple of values.
        """
        q = self.query
        state = {
            "q": self.typed or q.text,
            "near": self.place if q.near else "",
            "literal": self.literal,
            "min_rating": q.min_rating,
            "sort": q.sort,
            "page": q.page,
            "per_page": q.per_page,
            **{name: self.explicit_filters.get(name, ()) for name in FACETS},
        }
        state.update(changes)
        args: list[tuple[str, str]] = []
        if state["q"]:
            args.append(("q", state["q"]))
        for name in FACETS:
            args.extend((name, value) for value in state[name])
        if state["min_rating"] is not None:
            args.append(("min_rating", format_rating_param(state["min_rating"])))
        if state["near"]:
            args.append(("near", state["near"]))
        if state["literal"] and state["q"]:
            args.append(("literal", "1"))
        if state["sort"] != "relevance" and (state["sort"] != "distance" or state["near"]):
            args.append(("sort", state["sort"]))
        if state["per_page"] != DEFAULT_PER_PAGE:
            args.append(("per_page", str(state["per_page"])))
        if state["page"] > 1:
            args.append(("page", str(state["page"])))
        return MultiDict(args)

    @property
    def explicit_filters(self) -> dict[str, tuple[str, ...]]:
        """The filters the visitor chose (the query's, without those understanding added)."""
        out = {}
        for name, values in self.query.filters.items():
            kept = tuple(v for v in values if v not in self.added.get(name, ()))
            if kept:
                out[name] = kept
        return out

    def literal_query(self) -> SearchQuery:
        """The query with every typed word as text and only the visitor's own filters."""
        text = self.typed or self.query.text
        return replace(self.query, text=text, filters=self.explicit_filters)

    def without(self, name: str, value: str | None = None) -> MultiDict:
        """URL arguments with one filter value (or a whole field) removed, back on page 1."""
        if name in FACETS:
            values = tuple(v for v in self.query.filters.get(name, ()) if value not in (None, v))
            return self.to_args(page=1, **{name: values})
        if name == "near":
            sort = "relevance" if self.query.sort == "distance" else self.query.sort
            return self.to_args(page=1, near="", sort=sort)
        return self.to_args(page=1, **{name: None if name == "min_rating" else ""})


def format_rating_param(value: float) -> str:
    """``4.0`` → ``"4"``, ``4.5`` → ``"4.5"`` (stable, short URLs)."""
    return f"{value:g}"


def has_broken_encoding(query_string: bytes) -> bool:
    """True when the raw query string does not decode as UTF-8 (e.g. ``%ff%fe``)."""
    try:
        unquote_to_bytes(query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class _Parser:
    """Applies the rules once; ``strict`` decides between raising and repairing."""

    def __init__(self, args: MultiDict, strict: bool, allow_per_page: bool):
        self.args = args
        self.strict = strict
        self.allow_per_page = allow_per_page
        self.dropped: list[str] = []

    def problem(self, code: str, message: str, field: str, status: int = 422) -> None:
        if self.strict:
            raise ParamError(code, message, field, status)
        self.dropped.append(field)

    def scalar(self, name: str) -> str | None:
        values = self.args.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            self.problem(
                "repeated_parameter", f"'{name}' may be given only once.", name, status=400
            )
        return values[0]

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.scalar(name)
        if raw is None or raw.strip() == "":
            return default
        raw = raw.strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", raw):
            self.problem("invalid_integer", f"'{name}' must be a whole number.", name, 400)
            return default
        value = int(raw)
        if not low <= value <= high:
            self.problem(
                "out_of_range", f"'{name}' must be between {low} and {high}.", name, status=422
            )
            return min(max(value, low), high)
        return value

    def text(self) -> str:
        raw = self.scalar("q") or ""
        if self.strict and len(raw) > MAX_QUERY_LENGTH:
            raise ParamError(
                "too_long", f"'q' may be at most {MAX_QUERY_LENGTH} characters.", "q", 422
            )
        return clean_text(raw[: MAX_QUERY_LENGTH * 4])

    def filters(self) -> dict[str, tuple[str, ...]]:
        filters: dict[str, tuple[str, ...]] = {}
        for name in FACETS:
            raw_values = self.args.getlist(name)
            if not raw_values:
                continue
            if self.strict and len(raw_values) > MAX_VALUES_PER_FACET:
                # The OpenAPI document says maxItems of the parameter as sent, repeats included.
                self.problem(
                    "too_many_values", f"At most {MAX_VALUES_PER_FACET} values of '{name}'.", name
                )
            valid: list[str] = []
            for raw in raw_values:
                value = VALIDATORS[name](raw) if len(raw) <= MAX_CITY_LENGTH * 2 else None
                if value is None:
                    shown = clean_text(raw, 40)
                    self.problem("unknown_value", f"Unknown {name} value '{shown}'.", name)
                elif value not in valid:
                    valid.append(value)
            if len(valid) > MAX_VALUES_PER_FACET:
                self.problem(
                    "too_many_values",
                    f"At most {MAX_VALUES_PER_FACET} values of '{name}'.",
                    name,
                )
                valid = valid[:MAX_VALUES_PER_FACET]
            if valid:
                filters[name] = tuple(valid)
        return filters

    def min_rating(self) -> float | None:
        raw = self.scalar("min_rating")
        if raw is None or raw.strip() == "":
            return None
        raw = raw.strip()
        # The page's "any rating" choice; the API says 1 to 5, as its OpenAPI document does.
        if not self.strict and raw in ("0", "any"):
            return None
        if self.strict and not _NUMBER.fullmatch(raw):
            self.problem("invalid_number", "'min_rating' must be a number.", "min_rating", 400)
            return None
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 1 <= value <= 5):
            self.problem("out_of_range", "'min_rating' must be a number from 1 to 5.", "min_rating")
            return None
        return round(value * 2) / 2  # half-star steps, the granularity of the UI

    def near(self) -> tuple[str, tuple[float, float] | None, bool]:
        place = clean_text(self.scalar("near") or "", MAX_PLACE_LENGTH)
        if not place:
            return "", None, False
        point = _coordinates(place) or geo.geocode(place)
        if point is None:
            self.problem("unknown_place", f"No place called '{place[:40]}' was found.", "near")
            return place, None, True
        return place, point, False

    def literal(self) -> bool:
        raw = (self.scalar("literal") or "").strip().lower()
        if raw in LITERAL_ON:
            return True
        if raw not in LITERAL_OFF:
            self.problem("unknown_value", "'literal' must be 1 or 0.", "literal", 422)
        return False

    def sort(self, has_point: bool, has_text: bool) -> str:
        raw = (self.scalar("sort") or "").strip().lower()
        if not raw:
            return "relevance"
        if raw not in SORTS:
            self.problem(
                "unknown_value", f"'sort' must be one of: {', '.join(SORTS)}.", "sort", 422
            )
            return "relevance"
        if raw == "distance" and not has_point:
            self.problem("needs_place", "Sorting by distance needs a place in 'near'.", "sort")
            return "relevance"
        return raw


# A JSON-style number, as OpenAPI's ``type: number`` describes it (no "4,5", no "inf").
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,8})(?:\.\d{1,40})?(?:[eE][+-]?\d{1,3})?")


def _coordinates(place: str) -> tuple[float, float] | None:
    """``"45.76,4.83"`` → (45.76, 4.83): API clients may send a point instead of a name."""
    match = re.fullmatch(r"(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)", place)
    if not match:
        return None
    lat, lng = float(match.group(1)), float(match.group(2))
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else None


def parse_search_args(
    args: MultiDict,
    *,
    strict: bool = False,
    query_string: bytes = b"",
    allow_per_page: bool = True,
    base_filters: dict[str, tuple[str, ...]] | None = None,
) -> SearchParams:
    """Validate request arguments into ``SearchParams``.

    ``strict`` raises ``ParamError`` on the first problem (API); otherwise problems are
    repaired and their fields listed in ``dropped`` (pages). ``base_filters`` are fixed by the
    route (a landing page's service and country) and merged under the visitor's.
    """
    parser = _Parser(args, strict, allow_per_page)
    if has_broken_encoding(query_string):
        parser.problem("invalid_encoding", "The query string is not valid UTF-8.", "q", 400)
    text = parser.text()
    filters = parser.filters()
    for name, values in (base_filters or {}).items():
        filters[name] = tuple(dict.fromkeys((*values, *filters.get(name, ()))))
    typed, literal = text, parser.literal()
    understood = None if literal else service_named_by(text)
    understanding, added = None, {}
    if understood and filters.get("service", (understood,)) == (understood,):
        # The whole text is a service's name or synonym, in English or French: search that
        # service exactly, so "seo" and "référencement naturel" give the same agencies.
        filters["service"], text, typed = (understood,), "", ""
    else:
        understood = None
        if text and not literal:
            understanding, added, text = _apply_understanding(text, filters)
        text = content_text(text)
    min_rating = parser.min_rating()
    place, point, place_unknown = parser.near()
    sort = parser.sort(point is not None, bool(text))
    per_page = DEFAULT_PER_PAGE
    if allow_per_page:
        per_page = parser.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = parser.integer("page", 1, 1, MAX_PAGE)
    query = SearchQuery(
        text=text,
        filters=filters,
        min_rating=min_rating,
        sort=sort,
        near=point,
        page=page,
        per_page=per_page,
    )
    return SearchParams(
        query=query,
        place=place,
        place_unknown=place_unknown,
        dropped=tuple(dict.fromkeys(parser.dropped)),
        understood=understood,
        typed=typed if understanding is not None or literal else "",
        understanding=understanding,
        added=added,
        literal=literal and bool(text),
    )


def _apply_understanding(
    text: str, filters: dict[str, tuple[str, ...]]
) -> tuple[Understanding | None, dict[str, tuple[str, ...]], str]:
    """Merge what ``text`` names into ``filters`` (in place): (reading, values added, text left).

    Understood values join the visitor's own in their group (OR within a group), so a
    checked box and a typed word never cancel each other.
    """
    reading = understand(text)
    if not reading.applies:
        return None, {}, text
    added: dict[str, tuple[str, ...]] = {}
    for name, values in reading.filters.items():
        new = tuple(v for v in values if v not in filters.get(name, ()))
        if new:
            filters[name] = (*filters.get(name, ()), *new)
            added[name] = new
    return reading, added, reading.text


def with_query(params: SearchParams, **changes) -> SearchParams:
    """A copy of ``params`` whose query has ``changes`` applied (``dataclasses.replace``)."""
    return replace(params, query=replace(params.query, **changes))
