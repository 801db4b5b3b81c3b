"""Which words a query does without when no agency has them all: the same rule on every engine.

Words that match nothing (within the filters) go first: they can only empty the result.
Then the most common words go first (highest document frequency within the filters: the
least informative, "marketing" before "hubspot"), the later word first on a tie, until
some agency has every word kept. One word is always kept: a query never turns into "browse
everything". Both engines count the frequencies and probe the shorter queries their own way
(numpy masks; one multi-search each) and choose with these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def drop_order(frequencies: Sequence[int]) -> list[int]:
    """Word indexes in the order they are dropped, given each word's document frequency."""
    return sorted(range(len(frequencies)), key=lambda i: (frequencies[i] != 0, -frequencies[i], -i))


def attempts(frequencies: Sequence[int]) -> list[list[int]]:
    """The kept word indexes after each drop, in query order (never fewer than one word)."""
    kept = list(range(len(frequencies)))
    out = []
    for index in drop_order(frequencies)[:-1]:
        kept = [i for i in kept if i != index]
        out.append(kept)
    return out


def first_that_matches(
    frequencies: Sequence[int], matches: Callable[[list[int]], bool]
) -> list[int] | None:
    """The first ``attempts`` entry some agency matches every word of, or None."""
    for kept in attempts(frequencies):
        if matches(kept):
            return kept
    return None
