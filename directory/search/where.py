"""The "where" box: a place typed apart from the words, searched as if typed after them in ``q``.

``where=Lyon`` with ``q=seo`` is the search ``q=seo Lyon``: the same understanding turns the
place into its city, country or region filter and chip. Words of ``where`` that name no
place are not searched (a place box that quietly matched names would surprise): the page
shows them back with a message, the API refuses them (``unknown_place``).
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from .base import MAX_QUERY_LENGTH
from .understanding import understand
from .values import clean_text

PLACE_FACETS = frozenset({"world_region", "country", "city"})
MAX_WHERE_LENGTH = 120


@dataclass(frozen=True)
class Where:
    """How the "where" text was read: the words taken as places, the words left out."""

    text: str  # as typed, cleaned
    places: tuple[str, ...] = ()  # typed words read as places ("Lyon", "Allemagne")
    left_out: tuple[str, ...] = ()  # typed words that name no place (fillers excepted)

    @property
    def recognised(self) -> bool:
        """Whether at least one place was read."""
        return bool(self.places)

    @property
    def complete(self) -> bool:
        """Whether every meaningful word was read as a place."""
        return self.recognised and not self.left_out


def read_where(text: str) -> Where:
    """Read ``text`` as places only: services or other meanings count as left out."""
    text = clean_text(text, MAX_WHERE_LENGTH)
    reading = understand(text) if text else None
    if reading is None:
        return Where(text)
    places, left_out = [], [reading.words[i] for i in reading.rest]
    for part in reading.parts:
        if part.facet in PLACE_FACETS:
            places.append(part.typed)
        elif part.facet:  # "seo" in the place box: not a place
            left_out.append(part.typed)
    return Where(text, tuple(places), tuple(left_out))


def merge_where(args: MultiDict) -> tuple[MultiDict, Where | None]:
    """``args`` without ``where``, its places appended to ``q``; and how it was read.

    (args unchanged, None) when there is no ``where`` or it is blank.
    """
    raw = args.get("where", "")
    if "where" not in args:
        return args, None
    merged = args.copy()
    merged.poplist("where")
    where = read_where(raw)
    if not where.text:
        return merged, None
    if where.places:
        places = " ".join(where.places)
        # The typed words give way, not the place: the place is what this box is for.
        typed = args.get("q", "").strip()[: max(0, MAX_QUERY_LENGTH - len(places) - 1)]
        merged.setlist("q", [f"{typed} {places}".strip()])
    return merged, where
