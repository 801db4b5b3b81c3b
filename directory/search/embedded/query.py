"""Running a ``SearchQuery`` on a ``Model``: filters, disjunctive facets, ranking, highlights.

The ranking reproduces Meilisearch's bucket sort with the rules of docs/search.md
(``base.RANKING_RULES``)::

    words, typo, proximity, attributeRank, sort, tier_rank:desc, bayesian_score:desc,
    wordPosition, exactness

Each rule becomes an integer column over the candidates; the columns are packed into two
int64 keys (most significant rule in the high bits) and the page is cut with a partition
plus a stable sort, so candidates tied on every rule keep insertion order, as in Meilisearch.
When no candidate has every word, words are dropped by ``search.relaxation``'s rule.
"""

from __future__ import annotations

import html
import math

import numpy as np

from ..base import (
    FACETS,
    FACETS_BY_COUNT,
    HIGHLIGHTED_FIELDS,
    MAX_FACET_VALUES,
    RATING_STEPS,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from ..relaxation import first_that_matches
from ..text import parse_query, spans, tokens
from .facets import SET_COLUMNS
from .match import TextMatch
from .model import Model

# Cost model of the two ways ``_count_all`` counts (measured at 100,000 agencies): a pair
# gathered costs about three times a set id counted; a value-set count has a fixed part.
PAIR_COST = 3
SET_OVERHEAD = 16_000
SORT_RANKS = {"rating": "rating", "reviews": "reviews", "name": "name", "newest": "newest"}


def _facet_mask(model: Model, facet: str, values: tuple[str, ...]) -> np.ndarray:
    """Slots holding any of ``values`` in ``facet`` (OR within a group)."""
    facets = model.facets
    mask = np.zeros(model.n, dtype=bool)
    for value in values:
        code = facets.codes.get((facet, value))
        if code is not None and len(facets.slots[code]):
            mask[np.array(facets.slots[code], dtype=np.int64)] = True
    return mask


def _count_all(model: Model, mask: np.ndarray, k: int) -> np.ndarray:
    """Pairs per value code among the slots of ``mask`` (``k`` of them), every group at once."""
    size = len(model.facets.code_value)
    if k == 0 or size == 0:
        return np.zeros(size, dtype=np.int64)
    if k * 2 > model.count:
        # Most live slots: count the complement, subtract from the maintained totals.
        rest = model.col("alive") & ~mask
        return model.col("facet:totals") - _count_all(model, rest, int(np.count_nonzero(rest)))
    c = np.flatnonzero(mask)
    facets = model.facets
    pairs = len(facets.pcode) / max(model.n, 1)
    incidence = sum(map(len, facets.inc_code))
    if k * len(SET_COLUMNS) + incidence + SET_OVERHEAD < k * pairs * PAIR_COST:
        # Value sets: one bincount of set ids per column, then one over the sets' values.
        counts = np.zeros(size, dtype=np.float64)
        for set_of, sets, inc_set, inc_code in model.set_columns():
            per_set = np.bincount(set_of[c], minlength=sets)
            counts += np.bincount(inc_code, weights=per_set[inc_set], minlength=size)
        return counts.astype(np.int64)
    # Few candidates: gather their pairs.
    pcode = model.col("facet:pcode")
    ptr = model.col("facet:ptr")
    starts = ptr[c]
    lengths = ptr[c + 1] - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    codes = pcode[offsets + np.arange(int(lengths.sum()))]
    return np.bincount(codes, minlength=size)


def _facet_values(model: Model, facet: str, counts: np.ndarray, selected) -> dict[str, int]:
    """``value → count`` for values present (alphabetical; city by count), capped like Meili."""
    codes = model.facet_index().get(facet)
    result: dict[str, int] = {}
    if codes is not None:
        per_value = counts[codes]
        present = np.flatnonzero(per_value)
        if facet in FACETS_BY_COUNT:
            present = present[np.argsort(-per_value[present], kind="stable")]
        present = present[:MAX_FACET_VALUES]
        values = model.facets.code_value
        result = dict(
            zip(
                [values[c] for c in codes[present].tolist()],
                per_value[present].tolist(),
                strict=True,
            )
        )
    for value in selected:
        result.setdefault(value, 0)
    return result


def _distances(model: Model, c: np.ndarray, near: tuple[float, float]) -> np.ndarray:
    lat1, lng1 = math.radians(near[0]), math.radians(near[1])
    lat2 = np.radians(model.col("lat")[c])
    lng2 = np.radians(model.col("lng")[c])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    )
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return np.where(np.isnan(km), np.inf, km)


def _sort_rank(model: Model, query: SearchQuery, c: np.ndarray) -> np.ndarray | None:
    if query.sort == "distance":
        if query.near is None:
            return None
        km = _distances(model, c, query.near)
        _, inverse = np.unique(km, return_inverse=True)
        return inverse.astype(np.int64)
    which = SORT_RANKS.get(query.sort)
    return None if which is None else model.col(f"rank:{which}")[c]


def _top(c: np.ndarray, first: np.ndarray, second: np.ndarray | None, need: int) -> np.ndarray:
    """The ``need`` best candidates: by ``first``, then ``second``, then slot (stable)."""
    if need <= 0 or not len(c):
        return c[:0]
    if need < len(c):
        kth = np.partition(first, need - 1)[need - 1]
        chosen = np.flatnonzero(first <= kth)
    else:
        chosen = np.arange(len(c))
    if second is None:
        order = chosen[np.argsort(first[chosen], kind="stable")]
    else:
        order = chosen[np.lexsort((second[chosen], first[chosen]))]
    return c[order[:need]]


def _mark(text: str, words: frozenset[str]) -> str | None:
    """HTML-escaped ``text`` with ``<mark>`` around matched words, or None without a match."""
    if words.isdisjoint(tokens(text)):
        return None
    out, last, marked = [], 0, False
    for start, end, folded in spans(text):
        if folded in words:
            out.append(html.escape(text[last:start]))
            out.append(f"<mark>{html.escape(text[start:end])}</mark>")
            last, marked = end, True
    if not marked:
        return None
    out.append(html.escape(text[last:]))
    return "".join(out)


def run(model: Model, query: SearchQuery) -> SearchResult:
    """Answer ``query`` from ``model``."""
    n = model.n
    alive = model.col("alive") if n else np.zeros(0, dtype=bool)
    words = parse_query(query.text or "")
    match = TextMatch(model, words) if words and n else None
    groups = {
        facet: _facet_mask(model, facet, tuple(values))
        for facet, values in query.filters.items()
        if values and facet in FACETS
    }
    rating_mask = None
    if query.min_rating is not None:
        with np.errstate(invalid="ignore"):
            rating_mask = model.col("rating") >= float(query.min_rating)

    def narrow(base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        filtered = base.copy()
        for mask in groups.values():
            filtered &= mask
        return filtered, filtered & rating_mask if rating_mask is not None else filtered

    base = alive & match.universe if match is not None else alive
    filtered, candidates = narrow(base)
    ignored: list[str] = []
    if match is not None and len(match.terms) > 1 and query.relax and not candidates.any():
        # No agency has every word (with these filters): do without the least informative.
        scope = narrow(alive)[1]
        kept = first_that_matches(
            match.frequencies(scope), lambda keep: bool((scope & match.all_of(keep)).any())
        )
        if kept is not None:
            ignored = match.keep(kept)
            base = alive & match.universe
            filtered, candidates = narrow(base)
    c = np.flatnonzero(candidates)
    total = len(c)

    need = min(query.offset + query.per_page, total)
    page_slots = c[:0]
    if query.offset < total:
        sort_rank = _sort_rank(model, query, c)
        quality = model.col("quality")[c].astype(np.int64)
        if match is not None:
            relevance, after = match.keys(c)
            first = relevance << 40 | quality if sort_rank is None else None
            if first is None:
                first = relevance << 40 | np.minimum(sort_rank, (1 << 20) - 1) << 20 | quality
            page_slots = _top(c, first, after, need)[query.offset :]
        else:
            first = quality if sort_rank is None else sort_rank << 20 | quality
            page_slots = _top(c, first, None, need)[query.offset :]

    hits = _hits(model, query, page_slots, match)
    facets: dict[str, dict[str, int]] = {}
    wanted = [f for f in query.facets if f in FACETS]
    if wanted:
        main = _count_all(model, candidates, total)
        for facet in wanted:
            counts = main
            if facet in groups:  # disjunctive: this group's own selection removed
                mask = base.copy()
                for other, other_mask in groups.items():
                    if other != facet:
                        mask &= other_mask
                if rating_mask is not None:
                    mask &= rating_mask
                counts = _count_all(model, mask, int(np.count_nonzero(mask)))
            facets[facet] = _facet_values(model, facet, counts, query.filters.get(facet, ()))
    rating_counts = {}
    if query.facets:
        ratings = model.col("rating")[filtered] if n else np.zeros(0)
        with np.errstate(invalid="ignore"):
            rating_counts = {f"{s:g}": int(np.count_nonzero(ratings >= s)) for s in RATING_STEPS}
    return SearchResult(
        hits=hits,
        total=total,
        page=query.page,
        per_page=query.per_page,
        facets=facets,
        rating_counts=rating_counts,
        relaxed=bool(ignored),
        ignored=tuple(ignored),
    )


def _hits(model: Model, query: SearchQuery, slots: np.ndarray, match) -> list[SearchHit]:
    ids = model.ids
    words = match.highlight_words() if match is not None and query.highlight else None
    hits = []
    for slot in slots.tolist():
        hit = SearchHit(id=int(ids[slot]))
        if words:
            for name in HIGHLIGHTED_FIELDS:  # the model keeps these two attributes' text
                marked = _mark(getattr(model, name)[slot], words)
                if marked is not None:
                    hit.highlights[name] = marked
        if query.near is not None and not math.isnan(model.lat[slot]):
            lat1, lng1 = map(math.radians, query.near)
            lat2, lng2 = math.radians(model.lat[slot]), math.radians(model.lng[slot])
            h = (
                math.sin((lat2 - lat1) / 2) ** 2
                + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
            )
            hit.distance_km = round(2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h))), 1)
        hits.append(hit)
    return hits
