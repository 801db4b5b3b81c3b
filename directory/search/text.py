"""Text analysis both engines share: folding, tokens, query words and their typo budget.

Folding and tokenizing match what Meilisearch's tokenizer does to Latin text (lower case,
accents removed, any non-letter/digit is a separator); the embedded engine indexes and
queries with them, the Meilisearch adapter counts query words with them, and its typo
settings come from the same word lengths as ``max_typos``.
"""

from __future__ import annotations

import re
import unicodedata

from .lexicon import STOP_WORDS

_TOKEN = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 10  # Meilisearch ignores words past the 10th
ONE_TYPO_FROM = 5  # letters from which a query word may hold one typo
TWO_TYPOS_FROM = 9  # ... and two


class _FoldTable(dict):
    """``str.translate`` table folding any non-ASCII character on first sight."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        self[code] = folded
        return folded


_FOLD = _FoldTable({c: chr(c).lower() for c in range(128)})


def fold(text: str) -> str:
    """Lower case without accents ("Société" → "societe"), fast for ASCII text."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


# Meilisearch does not index stop words: no query word may match one (``embedded.match``).
FOLDED_STOP_WORDS = frozenset(word for stop in STOP_WORDS for word in _TOKEN.findall(fold(stop)))


def tokens(text: str) -> list[str]:
    """Folded words of ``text``, in order."""
    return _TOKEN.findall(fold(text))


def spans(text: str):
    """(start, end, folded word) of every word of ``text``, for highlighting."""
    for match in _TOKEN.finditer(text):
        yield match.start(), match.end(), fold(match.group())


def max_typos(word: str) -> int:
    """Typos allowed for a query word: 0 below 5 letters, 1 from 5, 2 from 9; none on numbers."""
    if word.isdigit():
        return 0
    length = len(word)
    return 0 if length < ONE_TYPO_FROM else 1 if length < TWO_TYPOS_FROM else 2


def parse_query(text: str) -> list[tuple[str, bool]]:
    """(word, is_prefix) for the first 10 words; only the last word, if not followed by a
    separator, is a prefix. Quotes, minus signs and any syntax are plain separators.

    Stop words (``lexicon.STOP_WORDS``, Meilisearch's ``stopWords``) are left out, unless
    the text has nothing else or the stop word is the prefix being typed ("seo a…").
    """
    words = tokens(text[:1000])[:MAX_QUERY_WORDS]
    if not words:
        return []
    ends_with_word = bool(text) and bool(_TOKEN.match(fold(text[-1])))
    parsed = [(w, ends_with_word and i == len(words) - 1) for i, w in enumerate(words)]
    kept = [(w, prefix) for w, prefix in parsed if prefix or w not in FOLDED_STOP_WORDS]
    return kept or parsed
