"""Locale-aware display helpers for templates: money, dates, counts and monograms."""

from __future__ import annotations

import datetime as dt
import unicodedata
from urllib.parse import urlsplit

from babel import Locale
from babel.numbers import format_currency, format_decimal
from flask_babel import format_date, get_locale


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def format_usd(amount: int | float | None) -> str:
    """Whole US dollars in the current locale: "$5,000" / "5 000 $US"."""
    if amount is None:
        return ""
    locale = _locale()
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, "USD", format=pattern, currency_digits=False, locale=locale)


def format_long_date(value: dt.date | dt.datetime | None) -> str:
    """A date written out: "March 5, 2027" / "5 mars 2027"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "long")


def format_count(value: int | None) -> str:
    """An integer with the locale's grouping: "12,345" / "12 345"."""
    return format_decimal(value or 0, locale=_locale())


def monogram(name: str | None) -> str:
    """Up to two initials for a logo placeholder ("Acme Growth" → "AG")."""
    words = [w for w in (name or "").split() if any(c.isalnum() for c in w)]
    initials = "".join(next(c for c in w if c.isalnum()) for w in words[:2])
    return unicodedata.normalize("NFC", initials).upper() or "?"


def monogram_hue(key: str | None) -> int:
    """A stable palette index (0–5) for a monogram, so agencies do not all look alike."""
    return sum((key or "").encode()) % 6


def web_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (never a ``javascript:`` link)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in {"http", "https"} and parts.netloc:
        return url.strip()
    return None
