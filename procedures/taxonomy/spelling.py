"""Misspelt request words corrected towards the taxonomy's vocabulary, guarded.

"hydrocodon", "cyclobenzeprine", "acupunture" and "chiropratic" are one or two edits away from a
word of a term or of the drug lexicon. A word is corrected only when
- it is not a word the vocabulary knows, nor one of the common words of requests (`keep`),
- it has at least 5 letters (short words are abbreviations and too close to each other),
- exactly one vocabulary word is nearest, or the nearest all name the same procedures
  ("naproxyn": "naproxen", "Naprosyn"): within 1 edit for 5-7 letters, 2 edits from 8 on (an
  edit: a letter inserted, deleted, replaced, or two neighbours swapped).
Lookups use a deletion index (every vocabulary word with one or two letters deleted), so a
correction costs a few dictionary lookups, not a pass over the vocabulary.
"""

from __future__ import annotations

from collections import defaultdict

MIN_LENGTH = 5
LONG = 8  # from this length two edits are allowed


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    def __init__(self, vocabulary: set[str], keep: set[str], groups: dict[str, frozenset] | None = None):
        self.vocabulary = {w for w in vocabulary if w.isalpha() and len(w) >= MIN_LENGTH - 1}
        self.keep = {w.lower() for w in keep}
        # word -> what it names (the procedures of the terms it is in): nearest words naming the
        # same ("naproxyn": "naproxen" and "Naprosyn") are one answer, not a tie.
        self.groups = groups or {}
        self._index: dict[str, set[str]] | None = None
        self._memo: dict[str, str | None] = {}

    @property
    def index(self) -> dict[str, set[str]]:
        """Built on the first correction (most requests need none)."""
        if self._index is None:
            self._index = self._build()
        return self._index

    def _build(self) -> dict[str, set[str]]:
        index: dict[str, set[str]] = defaultdict(set)
        for word in self.vocabulary:
            index[word].add(word)
            first = _deletes(word)
            for d in first:
                index[d].add(word)
            if len(word) >= LONG - 1:
                for d in first:
                    for dd in _deletes(d):
                        index[dd].add(word)
        return index

    def correct(self, word: str) -> str | None:
        """The one vocabulary word this misspells, or None."""
        word = word.lower()
        if word in self._memo:
            return self._memo[word]
        found = None
        if word.isalpha() and len(word) >= MIN_LENGTH and word not in self.vocabulary and word not in self.keep:
            allowed = 2 if len(word) >= LONG else 1
            keys = {word} | _deletes(word)
            if allowed == 2:
                keys |= {dd for d in _deletes(word) for dd in _deletes(d)}
            candidates = {c for k in keys for c in self.index.get(k, ())}
            scored = sorted((distance(word, c), c) for c in candidates)
            scored = [(d, c) for d, c in scored if d <= allowed]
            if scored:
                best = [c for d, c in scored if d == scored[0][0]]
                named = {self.groups.get(c) for c in best}
                if len(best) == 1 or (len(named) == 1 and None not in named):
                    found = best[0]
        self._memo[word] = found
        return found
