"""Text for badges: cleaning untrusted names, grapheme-safe truncation, EN/FR strings.

This module must not import Flask: the renderer is used by the web views, the bench and tests.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from babel.numbers import format_decimal

LANGUAGES = ("en", "fr")
ELLIPSIS = "…"
# Hard caps applied before any measuring, so a 10,000-character name costs nothing.
MAX_INPUT_CHARS = 400
MAX_GRAPHEMES = 80

# Explicit bidi embeddings, overrides, isolates and marks: a name must not reorder the badge.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Format characters kept because emoji and Indic scripts need them.
_KEPT_FORMAT = frozenset("\u200c\u200d")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_ZWJ = "\u200d"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "brand": "Services directory",
        "review_one": "{n} review",
        "review_other": "{n} reviews",
        "no_reviews": "No reviews yet",
        "cta": "Leave a review",
        "not_listed": "Not currently listed",
        "out_of_5": "{rating}/5",
        "tier": "{tier} partner",
        "partner": "Solutions partner",
        "partner_short": "Partner",
        "provider": "Solutions provider",
        "gold": "Gold",
        "platinum": "Platinum",
        "diamond": "Diamond",
        "elite": "Elite",
    },
    "fr": {
        "brand": "Annuaire des services",
        "review_one": "{n} avis",
        "review_other": "{n} avis",
        "no_reviews": "Pas encore d’avis",
        "cta": "Laissez un avis",
        "not_listed": "Non référencée actuellement",
        "out_of_5": "{rating}/5",
        "tier": "Partenaire {tier}",
        "partner": "Partenaire de solutions",
        "partner_short": "Partenaire",
        "provider": "Fournisseur de solutions",
        "gold": "Gold",
        "platinum": "Platinum",
        "diamond": "Diamond",
        "elite": "Elite",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when the language is unknown)."""
    table = STRINGS.get(lang, STRINGS["en"])
    return table[key].format(**values) if values else table[key]


def clean(text: str | None) -> str:
    """Make an untrusted string safe to place in a badge.

    Drops control, format (bidi overrides included), surrogate, private-use and unassigned
    characters, folds every kind of space to one ASCII space, NFC-normalizes. Whatever is left
    is a valid XML 1.0 character.
    """
    if not text:
        return ""
    kept: list[str] = []
    for ch in str(text)[:MAX_INPUT_CHARS]:
        if ch in _BIDI_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category[0] == "Z" or ch in "\t\n\r\f\v":
            kept.append(" ")
        elif category not in _DROPPED_CATEGORIES or ch in _KEPT_FORMAT:
            kept.append(ch)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def _extends_cluster(ch: str, cluster: str) -> bool:
    """Whether ``ch`` continues the grapheme cluster ``cluster`` (UAX #29, simplified)."""
    if cluster.endswith(_ZWJ) or ch == _ZWJ:
        return True
    code = ord(ch)
    if unicodedata.category(ch) in ("Mn", "Mc", "Me"):
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x1F3FB <= code <= 0x1F3FF:
        return True  # variation selectors, emoji skin tones
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators pair into flags
        return len(cluster) == 1 and 0x1F1E6 <= ord(cluster) <= 0x1F1FF
    return False


def graphemes(text: str) -> list[str]:
    """Split ``text`` into user-perceived characters (combining marks, ZWJ emoji, flags)."""
    clusters: list[str] = []
    for ch in text:
        if clusters and _extends_cluster(ch, clusters[-1]):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def cap(text: str, limit: int = MAX_GRAPHEMES) -> str:
    """``text`` cut to ``limit`` grapheme clusters, with an ellipsis when cut."""
    clusters = graphemes(text)
    if len(clusters) <= limit:
        return text
    return "".join(clusters[: limit - 1]).rstrip() + ELLIPSIS


def fit(text: str, max_width: float, measure: Callable[[str], float]) -> str:
    """The longest grapheme prefix of ``text`` (plus an ellipsis) no wider than ``max_width``."""
    if measure(text) <= max_width:
        return text
    clusters = graphemes(text)
    low, high = 0, len(clusters)  # invariant: prefix of `low` clusters + ellipsis fits
    while low < high:
        mid = (low + high + 1) // 2
        if measure("".join(clusters[:mid]).rstrip() + ELLIPSIS) <= max_width:
            low = mid
        else:
            high = mid - 1
    return "".join(clusters[:low]).rstrip() + ELLIPSIS


def format_rating(value: float, lang: str) -> str:
    """A rating with one decimal in ``lang`` ("4.8" / "4,8"), as the profile page shows it."""
    return format_decimal(round(value, 1), format="0.0", locale=lang)


def review_count(count: int, lang: str) -> str:
    """ "23 reviews" / "23 avis", with the language's plural rule and digit grouping."""
    number = format_decimal(count, locale=lang)
    one = count == 1 if lang == "en" else count < 2  # CLDR: French "one" covers 0 and 1
    return t(lang, "review_one" if one else "review_other", n=number)
