"""What a typed query names: services, places, spoken languages, industries, filler words.

``understand("agence de référencement à lyon")`` reads the service SEO, the city of Lyon and
three filler words, and leaves no word to match as text. Understood parts become facet
filters before any engine sees the query (``params``), so both engines answer the same
question. The reading is a greedy longest match over the folded words (``text.tokens``): at
each word, the longest known phrase starting there wins; a word of 5 letters or more may
hold one typo (two from 9 letters, as ``text.max_typos`` says), shorter words must be exact.

The tables are built once per process from the taxonomy, ``geo`` and ``lexicon``; a
reading is cached per text, so a query costs a dictionary look-up once seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import lexicon
from .lexicon_tables import Meaning, Table, table
from .text import MAX_QUERY_WORDS, max_typos, spans, tokens

__all__ = [
    "Meaning",
    "Part",
    "Table",
    "Understanding",
    "content_text",
    "stop_words",
    "table",
    "understand",
]


@dataclass(frozen=True)
class Part:
    """A run of typed words with one meaning: ``words[start:end]`` of the query."""

    meaning: Meaning
    start: int
    end: int
    typed: str  # the words as the visitor typed them
    typo: bool = False  # read through a typo ("referencment")

    @property
    def facet(self) -> str | None:
        """The facet group the part filters on (None for filler words)."""
        return self.meaning.facet

    @property
    def values(self) -> tuple[str, ...]:
        """The facet values the part stands for."""
        return self.meaning.values


@dataclass(frozen=True)
class Understanding:
    """A query read as parts (in typed order) and the words left to match as text."""

    words: tuple[str, ...]  # every typed word, original spelling
    parts: tuple[Part, ...] = ()
    rest: tuple[int, ...] = ()  # indexes of the words left as text
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The words no part took, for the engine's text match."""
        return " ".join(self.words[i] for i in self.rest)

    @property
    def facet_parts(self) -> tuple[Part, ...]:
        """The parts that filter (services, places, languages, industries)."""
        return tuple(p for p in self.parts if p.facet)

    @property
    def fillers(self) -> tuple[Part, ...]:
        """The words dropped as filler ("agence", "in", "best")."""
        return tuple(p for p in self.parts if not p.facet)

    @property
    def applies(self) -> bool:
        """Whether the reading changes the search: only when something filters.

        A query of filler words alone ("The Agency") is someone's name: it stays text.
        """
        return bool(self.facet_parts)

    def without(self, part: Part) -> str:
        """The typed text without ``part``'s words (the chip's "remove" link)."""
        return " ".join(w for i, w in enumerate(self.words) if not part.start <= i < part.end)


@cache
def stop_words() -> frozenset[str]:
    """Folded stop words (``lexicon.STOP_WORDS``): no engine is asked to match them."""
    return frozenset(w for word in lexicon.STOP_WORDS for w in tokens(word))


def content_text(text: str) -> str:
    """``text`` without its stop words ("seo in lyon" → "seo lyon"), unless it has nothing else.

    Done before either engine sees the text, so both match the same words; Meilisearch gets
    the same list as ``stopWords`` for the rare text made of them only.
    """
    located = list(spans(text))
    stops = stop_words()
    kept = [text[start:end] for start, end, word in located if word not in stops]
    if not kept or len(kept) == len(located):
        return text
    return " ".join(kept)


@lru_cache(maxsize=16384)
def _corrections(word: str) -> tuple[str, ...]:
    """Known words ``word`` may be a typo of, closest first (none for short or known words).

    Candidates share the first letter (as in both engines, a first letter is never taken
    for a typo) and have a length within the budget; they are scored by optimal string
    alignment (a transposition is one typo) in rapidfuzz's C++.
    """
    budget = max_typos(word)
    tab = table()
    if budget == 0 or word in tab.known:
        return ()
    scored: list[tuple[int, str]] = []
    for length in range(max(5, len(word) - budget), len(word) + budget + 1):
        choices = tab.by_length.get((word[0], length))
        if choices:
            found = process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=budget, limit=None
            )
            scored.extend((distance, candidate) for candidate, distance, _ in found)
    scored.sort()
    return tuple(candidate for _, candidate in scored)


def _match_at(tab: Table, folded: list[str], i: int) -> tuple[int, Meaning, bool] | None:
    """The longest phrase starting at word ``i``: (length, meaning, through a typo)."""
    options = [(folded[i], False)] + [(c, True) for c in _corrections(folded[i])]
    best: tuple[int, Meaning, bool] | None = None
    for first, typo in options:
        for length in tab.first_words.get(first, ()):
            if i + length > len(folded) or (best and length <= best[0]):
                continue
            words = [first]
            used_typo = typo
            for word in folded[i + 1 : i + length]:
                if (*words, word) in tab.prefixes:
                    words.append(word)
                    continue
                fixed = next((c for c in _corrections(word) if (*words, c) in tab.prefixes), None)
                if fixed is None:
                    break
                words.append(fixed)
                used_typo = True
            meaning = tab.phrases.get(tuple(words)) if len(words) == length else None
            if meaning is not None:
                best = (length, meaning, used_typo)
        if best is not None and not typo:
            break  # an exact reading of this word beats any typo reading
    return best


@lru_cache(maxsize=8192)
def understand(text: str) -> Understanding:
    """Read ``text`` (any case, accents, punctuation) into parts and words left as text."""
    located = list(spans(text))[:MAX_QUERY_WORDS]
    words = tuple(text[start:end] for start, end, _ in located)
    folded = [word for _, _, word in located]
    tab = table()
    parts: list[Part] = []
    rest: list[int] = []
    i = 0
    while i < len(folded):
        found = _match_at(tab, folded, i)
        if found is None:
            rest.append(i)
            i += 1
            continue
        length, meaning, typo = found
        typed = " ".join(words[i : i + length])
        parts.append(Part(meaning, i, i + length, typed, typo))
        i += length
    filters: dict[str, tuple[str, ...]] = {}
    for part in parts:
        if part.facet:
            merged = (*filters.get(part.facet, ()), *part.values)
            filters[part.facet] = tuple(dict.fromkeys(merged))
    return Understanding(words, tuple(parts), tuple(rest), filters)
