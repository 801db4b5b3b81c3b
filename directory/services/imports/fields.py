"""Field checks of an import line: typed values read out of a JSON object, or problems.

Pure functions, no database. Each check has a fast path for a value it accepts as is and
a full path that alone reports problems, so both accept exactly the same values.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from functools import cache
from typing import Any

import pycountry

from ...validators import (
    CONTROL_RE,
    DATE_RE,
    MARKUP_RE,
    NEWLINE_RE,
    SUSPECT_MULTILINE_RE,
    SUSPECT_RE,
)

SLOW = object()  # a fast path's "cannot decide": the full check runs and says why
_DATES: dict[str, dt.date] = {}  # valid date strings already parsed (a few thousand at most)
MAX_LIST = 100  # items in any array; far above any real profile
MAX_REVIEWS = 1000


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 codes (what ``geo.is_language`` accepts), as a set for fast checks."""
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (what ``geo.is_country`` accepts)."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


def short(value: Any, limit: int = 40) -> str:
    """A terminal-safe, length-capped rendering of a bad value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: Any) -> str:
    """The contract's (JSON) name of a value's type, for messages."""
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


def plain_text(value: Any, max_len: int, multiline: bool = False) -> Any:
    """The fast path of ``Checker.text`` for a value it accepts as is.

    Returns the cleaned text, ``None`` for an absent or empty value, or ``SLOW`` when the
    full check must run (wrong type, too long, anything suspect): it alone reports problems,
    so both paths accept exactly the same values and store exactly the same text.
    """
    if value is None:
        return None
    if type(value) is not str or len(value) > max_len:
        return SLOW
    if not value.isascii():
        value = _nfc("NFC", value)
        if len(value) > max_len:
            return SLOW
    value = value.strip()
    if (_suspect_multiline if multiline else _suspect)(value):
        return SLOW
    return value or None


_nfc = unicodedata.normalize
_suspect = SUSPECT_RE.search
_suspect_multiline = SUSPECT_MULTILINE_RE.search


def date_or_slow(value: Any) -> Any:
    """A valid ``YYYY-MM-DD`` string as a date (cached), ``None`` if absent, else ``SLOW``."""
    if value is None:
        return None
    date = _DATES.get(value) if type(value) is str else None
    if date is not None:
        return date
    if type(value) is not str or not DATE_RE.fullmatch(value):
        return SLOW
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        return SLOW
    if len(_DATES) < 100_000:
        _DATES[value] = date
    return date


class Checker:
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
        fast = plain_text(value, max_len, multiline)
        if fast is not SLOW and (fast is not None or not required):
            return fast
        if value is None:
            if required:
                self.fail(path + key, "is required")
            return None
        if type(value) is not str:
            self.fail(path + key, f"must be a string, not {type_name(value)}")
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
            self.fail(path + key, f"contains HTML markup ({short(snippet)}); plain text only")
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
            self.fail(path + key, f"must be an integer, not {type_name(value)}")
            return None
        if not low <= value <= high:
            self.fail(path + key, f"must be between {low} and {high}, not {short(value)}")
            return None
        return value

    def number(self, obj: dict, key: str, path: str, low: float, high: float) -> float | None:
        value = obj.get(key)
        if value is None:
            return None
        if type(value) not in (int, float) or not math.isfinite(value):
            self.fail(path + key, f"must be a number, not {type_name(value)}")
            return None
        if not low <= value <= high:
            self.fail(path + key, f"must be between {low:g} and {high:g}, not {short(value)}")
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
            self.fail(key, f"must be a string, not {type_name(value)}")
        elif value not in allowed:
            self.fail(key, f"unknown value {short(value)} (one of: {', '.join(allowed)})")
        else:
            return value
        return None

    def date(self, obj: dict, key: str, path: str, *, required: bool = False) -> dt.date | None:
        value = obj.get(key)
        fast = date_or_slow(value)
        if fast is not SLOW and fast is not None:
            return fast
        if value is None:
            if required:
                self.fail(path + key, "is required")
            return None
        if type(value) is not str or not DATE_RE.fullmatch(value):
            self.fail(path + key, f"must be a date YYYY-MM-DD, not {short(value)}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(path + key, f"is not a real date: {short(value)}")
            return None

    def array(self, obj: dict, key: str, *, required: bool = False) -> list:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(key, "is required (at least one)")
            return []
        if type(value) is not list:
            self.fail(key, f"must be an array, not {type_name(value)}")
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
                self.fail(where, f"must be a string, not {type_name(item)}")
            elif item not in vocabulary and key == "languages":
                self.fail(where, f"unknown language code {short(item)} (ISO 639-1, lower case)")
            elif item not in vocabulary:
                self.fail(where, f"unknown slug {short(item)}")
            elif item not in found:
                found.append(item)
        return found


def _all_known(items: list, vocabulary: frozenset[str]) -> bool:
    """Whether every item is one of the vocabulary's strings (a set operation, in C)."""
    try:
        return vocabulary.issuperset(items)  # only str members: any other item fails
    except TypeError:  # an unhashable item (a list or object): the full check reports it
        return False
