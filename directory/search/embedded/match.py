"""Matching query words against the postings: typo, attribute, position, exactness, proximity.

``TextMatch`` turns the words of a query into per-rule integer columns over the candidates
(``keys``), which ``query.run`` packs into the ranking keys.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..text import FOLDED_STOP_WORDS
from .model import FIELDS, Model

NO_FIELD = len(FIELDS)
# wordPosition cost of a distance, as milli's position rule buckets it.
_POSITION_BOUNDS = np.array([1, 2, 5, 8, 12, 17, 25, 65, 257, 1025])


@dataclass
class _Term:
    """What one query word matched: dense per-slot columns, and the raw postings."""

    has: np.ndarray  # bool
    typo: np.ndarray  # int8, typos of the best derivation
    field: np.ndarray  # int8, best attribute (weight order)
    position: np.ndarray  # int32, first position in any attribute
    exact: np.ndarray  # bool, the word itself (no typo, not a longer prefix)
    parts: list[tuple[np.ndarray, np.ndarray, int]]  # postings: (slots, positions, attribute)
    words: frozenset[str]  # derivations, for highlighting

    @functools.cached_property
    def postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(slots, attributes, first positions) of every posting, for proximity."""
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        slots = np.concatenate([s for s, _, _ in self.parts])
        fields = np.concatenate([np.full(len(s), f, dtype=np.int8) for s, _, f in self.parts])
        positions = np.concatenate([p for _, p, _ in self.parts])
        return slots, fields, positions


def _match_term(model: Model, word: str, is_prefix: bool) -> _Term:
    """Dense per-slot columns for one query word, from its derivations' postings.

    Each posting list holds a slot at most once, so a gather-minimum-scatter per list gives
    the minimum over derivations and attributes without ``ufunc.at``.
    """
    n = model.n
    best_typo = np.full(n, 9, dtype=np.int8)  # 9: not matched
    best_field = np.full(n, NO_FIELD, dtype=np.int8)
    first = np.full(n, 65535, dtype=np.int32)
    is_exact = np.zeros(n, dtype=bool)
    parts = []
    derivations = model.derivations(word, is_prefix)
    if not FOLDED_STOP_WORDS.isdisjoint(derivations):
        # Meilisearch never indexes stop words: "for" typed last matches "formation", not "for".
        derivations = {d: t for d, t in derivations.items() if d not in FOLDED_STOP_WORDS}
    for derived, typo in derivations.items():
        for field in model.postings.get(derived, ()):
            s, p = model.posting(derived, field)
            if not len(s):
                continue
            best_typo[s] = np.minimum(best_typo[s], typo)
            best_field[s] = np.minimum(best_field[s], field)
            first[s] = np.minimum(first[s], p)
            if derived == word:
                is_exact[s] = True
            parts.append((s, p, field))
    words = frozenset(derivations) if parts else frozenset()
    return _Term(best_typo < 9, best_typo, best_field, first, is_exact, parts, words)


def _first_by_field(term: _Term, rows: np.ndarray, size: int) -> np.ndarray:
    """First position of the term per (candidate row, attribute); 1 << 20 where absent."""
    out = np.full((size, NO_FIELD), 1 << 20, dtype=np.int32)
    slots, fields, positions = term.postings
    r = rows[slots]
    keep = r >= 0
    np.minimum.at(out, (r[keep], fields[keep]), positions[keep])
    return out


def _proximity_cost(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cost 0 (adjacent, in order) … 7 (far apart or in different attributes), per row."""
    distance = b.astype(np.int64) - a.astype(np.int64)
    cost = np.where(distance > 0, distance - 1, -distance + 1)
    missing = (a >= 1 << 20) | (b >= 1 << 20)
    cost = np.where(missing, 7, np.minimum(cost, 7))
    return cost.min(axis=1)


class TextMatch:
    """The per-rule columns of a text query over the candidates."""

    def __init__(self, model: Model, words: list[tuple[str, bool]]):
        self.words = words
        self.n = model.n
        self.terms = [_match_term(model, w, prefix) for w, prefix in words]
        # Every word needed (matchingStrategy "all"); ``keep`` narrows the words when that
        # finds nothing (``search.relaxation``).
        self.universe = self.all_of(range(len(self.terms)))
        exact_slots = model.exact.get(" ".join(w for w, _ in words))
        self.exact_attribute = np.zeros(model.n, dtype=bool)
        if exact_slots is not None and len(exact_slots):
            self.exact_attribute[np.array(exact_slots, dtype=np.int64)] = True

    def all_of(self, indexes) -> np.ndarray:
        """Slots holding every word of ``indexes``."""
        indexes = list(indexes)
        universe = self.terms[indexes[0]].has.copy()
        for index in indexes[1:]:
            universe &= self.terms[index].has
        return universe

    def frequencies(self, scope: np.ndarray) -> list[int]:
        """Slots of ``scope`` holding each word (document frequency within the filters)."""
        return [int(np.count_nonzero(scope & term.has)) for term in self.terms]

    def keep(self, indexes: list[int]) -> list[str]:
        """Rank and highlight on the words of ``indexes`` only; the dropped words, folded."""
        dropped = [w for i, (w, _) in enumerate(self.words) if i not in indexes]
        self.terms = [self.terms[i] for i in indexes]
        self.universe = self.all_of(range(len(self.terms)))
        return dropped

    def highlight_words(self) -> frozenset[str]:
        """Every indexed word the query matched."""
        out: set[str] = set()
        for term in self.terms:
            out |= term.words
        return frozenset(out)

    def keys(self, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(relevance key before ``sort``, key after bayesian_score) for candidates ``c``."""
        count = len(self.terms)
        words = np.zeros(len(c), dtype=np.int64)
        leading = np.ones(len(c), dtype=bool)
        typo = np.zeros(len(c), dtype=np.int64)
        attribute = np.zeros(len(c), dtype=np.int64)
        position = np.zeros(len(c), dtype=np.int64)
        exact = np.zeros(len(c), dtype=np.int64)
        proximity = np.zeros(len(c), dtype=np.int64)
        previous = None
        for index, term in enumerate(self.terms):
            leading = leading & term.has[c]
            words += leading
            typo += np.where(leading, term.typo[c], 0)
            attribute += np.where(leading, term.field[c], 0)
            distance = np.abs(term.position[c].astype(np.int64) - index)
            cost = np.searchsorted(_POSITION_BOUNDS, distance, side="right")
            position += np.where(leading, cost, 0)
            exact += leading & term.exact[c]
            if previous is not None:
                both = np.flatnonzero(leading)  # candidates matching both words
                if len(both):
                    rows = np.full(self.n, -1, dtype=np.int64)
                    rows[c[both]] = np.arange(len(both))
                    proximity[both] += _proximity_cost(
                        _first_by_field(previous, rows, len(both)),
                        _first_by_field(term, rows, len(both)),
                    )
            previous = term
        relevance = (count - words) << 18 | np.minimum(typo, 31) << 13
        relevance |= np.minimum(proximity, 63) << 7 | np.minimum(attribute, 127)
        exactness = np.where(self.exact_attribute[c], 0, 1) << 4 | (words - exact)
        after = np.minimum(position, 1023) << 10 | exactness
        return relevance, after
