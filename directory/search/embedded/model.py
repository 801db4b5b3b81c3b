"""The in-memory read model of the embedded engine: append-only columns, postings and facets.

Every document gets a new *slot* when it is added; replacing or deleting a document only
clears the old slot's ``alive`` flag, so updates never rewrite the big arrays. Text postings
(term → field → slots and first positions) and facet pairs (slot → value codes) are Python
``array`` columns that grow by appending; queries turn the few they need into numpy arrays
and do everything else (filters, facet counts, ranking keys) as vectorized numpy operations.
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from ..base import SEARCHABLE_FIELDS
from ..text import tokens
from .facets import SET_COLUMNS, Facets
from .vocabulary import Vocabulary

# Searchable attributes in weight order: a posting's attribute is an index into this.
FIELDS = SEARCHABLE_FIELDS
UNIQUE_TEXT = {0, 3, 7}  # name, tagline, description: values rarely repeat
LIST_GAP = 8  # positions between two values of a list field, as Meilisearch leaves a gap
EXACT_MAX_WORDS = 10
FIELD_CACHE_SIZE = 100_000  # cached repeated values (labels, places), cleared when full


class Model:
    """Documents of one index file, queryable; see ``query.run`` for searching."""

    def __init__(self) -> None:
        self.n = 0
        self.slot_of: dict[int, int] = {}
        self.ids = array("q")
        self.alive = bytearray()
        self.tier = array("b")
        self.bayes = array("d")
        self.reviews = array("q")
        self.created = array("q")
        self.rating = array("d")
        self.lat = array("d")
        self.lng = array("d")
        self.quality = array("i")  # tier_rank desc then bayesian_score desc, as one ascending key
        self.name: list[str] = []
        self.tagline: list[str] = []
        self.name_sort: list[str] = []
        self.postings: dict[str, dict[int, tuple[array, array]]] = {}
        self.exact: dict[str, array] = {}
        self.facets = Facets()
        self.version = 0
        self._init_caches()

    # -- pickling: the trie and numpy caches are rebuilt on load ---------------------------

    def _init_caches(self) -> None:
        self.vocab = Vocabulary()
        for term in self.postings:
            self.vocab.add(term)
        self._np: dict[str, tuple[np.ndarray, int]] = {}  # name -> (buffer, rows copied)
        self._alive_np: np.ndarray | None = None
        self._alive_np_rows = 0
        self._killed: list[int] = []
        self._ranks: dict[str, np.ndarray] = {}
        self._ranks_version = -1
        self._facet_index: tuple[int, dict[str, np.ndarray]] | None = None
        self._postings_np: dict[tuple[str, int], tuple[int, np.ndarray, np.ndarray]] = {}
        self._derivations: dict[tuple[str, bool], dict[str, int]] = {}
        # (attribute, repeated value) -> (resolved postings, exact keys); see _index_text
        self._field_cache: dict[tuple, tuple[list, list[str]]] = {}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in (
            "vocab", "_np", "_alive_np", "_alive_np_rows", "_killed", "_ranks", "_ranks_version",
            "_facet_index", "_postings_np", "_derivations", "_field_cache",
        ):  # fmt: skip
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._init_caches()

    # -- writes ------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Live documents."""
        return len(self.slot_of)

    def remove(self, doc_id: int) -> None:
        """Forget a document (its slot stays, dead)."""
        slot = self.slot_of.pop(int(doc_id), None)
        if slot is not None:
            self.alive[slot] = 0
            self._killed.append(slot)
            self.facets.remove(slot)
            self.version += 1

    def add(self, doc: dict) -> None:
        """Insert or replace a document: a new slot, the old one (if any) marked dead."""
        doc_id = int(doc["id"])
        self.remove(doc_id)
        slot = self.n
        self.n += 1
        self.slot_of[doc_id] = slot
        self.ids.append(doc_id)
        self.alive.append(1)
        self.tier.append(int(doc.get("tier_rank") or 0))
        self.bayes.append(float(doc.get("bayesian_score") or 0.0))
        self.reviews.append(int(doc.get("review_count") or 0))
        self.created.append(int(doc.get("created_at") or 0))
        rating = doc.get("rating_avg")
        self.rating.append(math.nan if rating is None else float(rating))
        point = doc.get("_geo") or {}
        self.lat.append(float(point.get("lat", math.nan)))
        self.lng.append(float(point.get("lng", math.nan)))
        bayes = min(max(self.bayes[-1], 0.0), 5.0)
        self.quality.append((5 - self.tier[-1]) << 16 | (50_000 - round(bayes * 10_000)))
        self.name.append(doc.get("name") or "")
        self.tagline.append(doc.get("tagline") or "")
        self.name_sort.append(doc.get("name_sort") or "")
        self.facets.add(slot, doc)
        self._index_text(slot, doc)
        self.version += 1

    def _field_terms(self, field: int, value) -> tuple[dict[str, int], list[str]]:
        """(word → first position, exact-match keys) of one attribute's value."""
        first: dict[str, int] = {}
        exact: list[str] = []
        position = 0
        for element in value if isinstance(value, list) else (value,):
            words = tokens(str(element))
            for offset, word in enumerate(words):
                if word not in first:
                    first[word] = position + offset
            if words and len(words) <= EXACT_MAX_WORDS:
                exact.append(" ".join(words))
            position += len(words) + LIST_GAP
        if position > 65535:
            first = {word: min(pos, 65535) for word, pos in first.items()}
        return first, exact

    def _resolve(self, field: int, first: dict[str, int]) -> list[tuple[array, array, int]]:
        """The posting columns (created when new) of each word, with the word's position."""
        postings = self.postings
        resolved = []
        for word, pos in first.items():
            by_field = postings.get(word)
            if by_field is None:
                by_field = postings[word] = {}
                self.vocab.add(word)
                self._derivations.clear()
            pair = by_field.get(field)
            if pair is None:
                pair = by_field[field] = (array("i"), array("H"))
            resolved.append((pair[0], pair[1], pos))
        return resolved

    def _index_text(self, slot: int, doc: dict) -> None:
        """Append the slot to the postings of its words, and to its exact-match keys.

        Taxonomy labels and places repeat across agencies: for those attributes the whole
        value's resolved postings are cached, so a repeated value costs two appends a word.
        """
        exact_keys: set[str] = set()
        cache = self._field_cache
        for field, attribute in enumerate(FIELDS):
            value = doc.get(attribute)
            if not value:
                continue
            if field in UNIQUE_TEXT:
                first, exact = self._field_terms(field, value)
                resolved = self._resolve(field, first)
            else:
                key = (field, tuple(value) if isinstance(value, list) else value)
                found = cache.get(key)
                if found is None:
                    if len(cache) > FIELD_CACHE_SIZE:
                        cache.clear()
                    first, exact = self._field_terms(field, value)
                    found = cache[key] = (self._resolve(field, first), exact)
                resolved, exact = found
            exact_keys.update(exact)
            for slots, positions, pos in resolved:
                slots.append(slot)
                positions.append(pos)
        for key in exact_keys:
            slots = self.exact.get(key)
            if slots is None:
                slots = self.exact[key] = array("i")
            slots.append(slot)

    # -- numpy views -------------------------------------------------------------------------

    def col(self, name: str) -> np.ndarray:
        """A numpy mirror of a column; append-only columns copy only their new rows."""
        if name == "alive":
            return self._alive()
        if name.startswith("rank:"):
            if self._ranks_version != self.version:
                self._ranks.clear()
                self._ranks_version = self.version
            found = self._ranks.get(name)
            if found is None:
                found = self._ranks[name] = self._rank(name[5:])
            return found
        source = (
            getattr(self.facets, name[6:]) if name.startswith("facet:") else getattr(self, name)
        )
        if name == "facet:totals":  # updated in place, small (one entry per facet value)
            return np.array(source, dtype=np.int64)
        return self._tail(name, source)

    def _tail(self, name: str, source: array) -> np.ndarray:
        dtype = np.dtype(source.typecode)
        rows = len(source)
        buffer, copied = self._np.get(name, (None, 0))
        if buffer is None or rows > len(buffer):
            grown = np.empty(max(rows, 2 * (len(buffer) if buffer is not None else 0), 1024), dtype)
            if buffer is not None:
                grown[:copied] = buffer[:copied]
            buffer = grown
        if rows > copied:
            buffer[copied:rows] = np.frombuffer(
                source, dtype=dtype, count=rows - copied, offset=copied * dtype.itemsize
            )
        self._np[name] = (buffer, rows)
        return buffer[:rows]

    def set_columns(self) -> list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]:
        """Per column of ``SET_COLUMNS``: (slot → set id, number of sets, inc_set, inc_code)."""
        facets = self.facets
        return [
            (
                self._tail(f"set:{j}", facets.set_column[j]),
                len(facets.set_ids[j]),
                self._tail(f"inc_set:{j}", facets.inc_set[j]),
                self._tail(f"inc_code:{j}", facets.inc_code[j]),
            )
            for j in range(len(SET_COLUMNS))
        ]

    def _alive(self) -> np.ndarray:
        current = self._alive_np
        if current is None or len(current) < self.n:
            grown = np.zeros(
                max(self.n, 2 * (len(current) if current is not None else 0), 1024), bool
            )
            grown[: self.n] = np.frombuffer(bytes(self.alive), dtype=np.uint8).astype(bool)
            self._alive_np, self._killed = grown, []
        elif self._killed:
            self._alive_np[self._killed] = False
            self._killed = []
        if self._alive_np_rows < self.n:
            tail = np.frombuffer(bytes(self.alive[self._alive_np_rows :]), dtype=np.uint8)
            self._alive_np[self._alive_np_rows : self.n] = tail.astype(bool)
        self._alive_np_rows = self.n
        return self._alive_np[: self.n]

    def posting(self, word: str, field: int) -> tuple[np.ndarray, np.ndarray]:
        """(slots, first positions) of a word in an attribute, as numpy arrays.

        Posting lists only grow, so a copy stays valid while its length is unchanged; long
        lists (the words of broad queries) are kept between queries.
        """
        slots, positions = self.postings[word][field]
        key = (word, field)
        cached = self._postings_np.get(key)
        if cached is not None and cached[0] == len(slots):
            return cached[1], cached[2]
        pair = (np.array(slots, dtype=np.int64), np.array(positions, dtype=np.int32))
        if len(slots) >= 2000:
            if len(self._postings_np) > 4000:
                self._postings_np.clear()
            self._postings_np[key] = (len(slots), *pair)
        return pair

    def facet_index(self) -> dict[str, np.ndarray]:
        """Per facet, its value codes in alphabetical order of value (cached while no new value)."""
        size = len(self.facets.code_value)
        if self._facet_index is None or self._facet_index[0] != size:
            by_facet: dict[str, list[int]] = {}
            values = self.facets.code_value
            for code, facet in enumerate(self.facets.code_facet):
                by_facet.setdefault(facet, []).append(code)
            index = {
                facet: np.array(sorted(codes, key=values.__getitem__), dtype=np.int64)
                for facet, codes in by_facet.items()
            }
            self._facet_index = (size, index)
        return self._facet_index[1]

    def _rank(self, which: str) -> np.ndarray:
        """Dense ranks (0 = first) of every slot for an explicit sort."""
        if which == "rating":
            keys = (-self.col("bayes"), -self.col("reviews").astype(np.float64))
        elif which == "reviews":
            keys = (-self.col("reviews").astype(np.float64), -self.col("bayes"))
        elif which == "newest":
            keys = (-self.col("created").astype(np.float64),)
        elif which == "name":
            _, inverse = np.unique(np.array(self.name_sort, dtype=str), return_inverse=True)
            return inverse.astype(np.int64)
        else:
            raise KeyError(which)
        return dense_rank(keys)

    def derivations(self, word: str, is_prefix: bool) -> dict[str, int]:
        """Indexed words for a query word, with typo counts (cached until the vocabulary grows)."""
        key = (word, is_prefix)
        found = self._derivations.get(key)
        if found is None:
            if len(self._derivations) > 5000:
                self._derivations.clear()
            found = self._derivations[key] = self.vocab.derivations(word, is_prefix)
        return found


def dense_rank(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """Dense rank of each position ordered by ``keys`` (first key most significant)."""
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort(tuple(reversed(keys)))
    change = np.zeros(len(order), dtype=bool)
    for key in keys:
        ordered = key[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.cumsum(change)
    return ranks
