"""Typo-tolerant lookup of indexed words: a character trie and Meilisearch's derivation rules.

``Vocabulary`` finds the indexed words a query word may stand for, with the same rules as
Meilisearch's Levenshtein automata: 1 typo from 5 letters, 2 from 9 (``text.max_typos``), a
transposition counts as one typo, a typo on the first letter is not allowed for 1-typo words
and counts as two otherwise, and the last query word also matches as a prefix (with the same
typo budget on the prefix).
"""

from __future__ import annotations

from ..text import max_typos

MAX_ONE_TYPO = 150  # derivation caps, as in milli's search limits
MAX_TWO_TYPOS = 50
MAX_PREFIX = 2000  # milli answers frequent prefixes from a prefix database (uncapped)


class Vocabulary:
    """Every indexed word in a character trie, for typo and prefix derivations."""

    END = ""  # key of the word stored at a trie node

    def __init__(self) -> None:
        self.root: dict = {}
        self.size = 0

    def add(self, word: str) -> None:
        """Insert a word (idempotent)."""
        node = self.root
        for char in word:
            node = node.get(char) or node.setdefault(char, {})
        if self.END not in node:
            node[self.END] = word
            self.size += 1

    def __contains__(self, word: str) -> bool:
        node = self.root
        for char in word:
            node = node.get(char)
            if node is None:
                return False
        return self.END in node

    def derivations(self, word: str, is_prefix: bool) -> dict[str, int]:
        """Indexed words ``word`` may stand for, with their typo count (0, 1 or 2)."""
        budget = max_typos(word)
        found: dict[str, int] = {}
        if word in self:
            found[word] = 0
        if is_prefix:
            node = self._node(word)
            if node is not None:
                for derived in self._words_under(node, MAX_PREFIX):
                    found.setdefault(derived, 0)
        if budget == 0:
            return found
        typos: dict[str, int] = {}
        first = word[0]
        # Same first letter: up to ``budget`` typos.
        child = self.root.get(first)
        if child is not None:
            row0 = [min(j, budget + 1) for j in range(len(word) + 1)]
            row1 = self._next_row(row0, first, word, None, None, 1, budget)
            self._walk(child, first, word, row0, row1, budget, is_prefix, typos, penalty=0)
        if budget == 2:
            # Another first letter: one edit at most, and it counts as two typos.
            row0 = [min(j, 2) for j in range(len(word) + 1)]
            for char, node in self.root.items():
                if char in (first, self.END):
                    continue
                row1 = self._next_row(row0, char, word, None, None, 1, 1)
                self._walk(node, char, word, row0, row1, 1, is_prefix, typos, penalty=1)
        ones = sorted(w for w, t in typos.items() if t == 1)[:MAX_ONE_TYPO]
        twos = sorted(w for w, t in typos.items() if t == 2)[:MAX_TWO_TYPOS]
        for derived in (*ones, *twos):
            found.setdefault(derived, typos[derived])
        return found

    # -- internals ---------------------------------------------------------------------------

    def _node(self, prefix: str) -> dict | None:
        node = self.root
        for char in prefix:
            node = node.get(char)
            if node is None:
                return None
        return node

    def _words_under(self, node: dict, limit: int) -> list[str]:
        out: list[str] = []
        stack = [node]
        while stack and len(out) < limit:
            current = stack.pop()
            for key, value in current.items():
                if key == self.END:
                    out.append(value)
                else:
                    stack.append(value)
        return out

    @staticmethod
    def _next_row(prev, char, word, prev_char, prevprev, depth, budget):
        """One row of the optimal-string-alignment distance (transpositions cost one).

        Only the band of cells that can stay within ``budget`` is computed; every value is
        capped at ``budget + 1``, which keeps each "within budget?" answer (and each value
        within it) exact while the walk stays linear in the budget, not the word.
        """
        cap = budget + 1
        size = len(word)
        row = [cap] * (size + 1)
        row[0] = depth if depth < cap else cap
        for j in range(max(1, depth - budget), min(size, depth + budget) + 1):
            value = prev[j - 1] if word[j - 1] == char else prev[j - 1] + 1
            if prev[j] + 1 < value:
                value = prev[j] + 1
            if row[j - 1] + 1 < value:
                value = row[j - 1] + 1
            if (
                prevprev is not None
                and j > 1
                and word[j - 1] == prev_char
                and word[j - 2] == char
                and prevprev[j - 2] + 1 < value
            ):
                value = prevprev[j - 2] + 1
            row[j] = value if value < cap else cap
        return row

    def _walk(self, node, char, word, prev, row, budget, is_prefix, out, penalty):
        """Depth-first walk collecting words within ``budget`` (prefix: of any prefix)."""
        stack = [(node, char, prev, row, row[-1], 1)]
        while stack:
            node, char, prev, row, best, depth = stack.pop()
            distance = row[-1]
            if is_prefix:
                best = min(best, distance)
            hopeless = min(row) > budget
            for key, child in node.items():
                if key == self.END:
                    d = best if is_prefix else distance
                    if d <= budget and d > 0:
                        typos = 2 if penalty else d
                        if child not in out or out[child] > typos:
                            out[child] = typos
                    continue
                if hopeless:
                    if is_prefix and best <= budget and best > 0:
                        for derived in self._words_under(child, MAX_PREFIX):
                            typos = 2 if penalty else best
                            if derived not in out or out[derived] > typos:
                                out[derived] = typos
                    continue
                next_row = self._next_row(row, key, word, char, prev, depth + 1, budget)
                stack.append((child, key, row, next_row, best, depth + 1))
