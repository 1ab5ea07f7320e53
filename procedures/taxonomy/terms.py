"""Finding the taxonomy's terms in a text of normalised words (procedures.taxonomy.words).

Every term of the data files (a procedure's terms and abbreviations, the drug lexicon's names,
a clerk's aliases) is held as its canonical words. A term is found in a text when
- its words occur in order, next to each other: "exact" (strength 1.0);
- its words all occur within a few words of each other, in any order ("injection, epidural
  steroid"; "NCV/EMG"): "any order" (0.9);
- its distinctive words occur and only its generic ones ("therapy", "program", "test": the data
  file's `generic_words`, and body regions) are missing or replaced: "shockwave treatments" for
  "shock wave therapy" (0.8); one distinctive word alone must be a word of one procedure's
  terms only, with a generic word beside it that no other term found takes ("aquatic
  sessions"); a term of one word has nothing to leave out;
- any of these after a misspelt word was corrected (procedures.taxonomy.spelling): 0.9 times the
  strength.
Exact and any-order hits (words as written or corrected) are tier 0; partial ones tier 1 (the
classifier prefers tier 0 and falls back on tier 1).

Abbreviations (MBB, TENS, PT: written in capitals in the data) are compared as whole words,
never stemmed ("TENS" is not "ten"), with an optional plural "s" ("MBBs"); in requests those
listed as `ambiguous_abbreviations` (PT: also "pt", patient) count only when written in capitals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .words import Normaliser, Token

EXTRA_WINDOW = 2  # words that may stand between the words of a term found in any order
PARTIAL_WINDOW = 3


def is_abbreviation(word: str) -> bool:
    """A word written in capitals in the data (MRI, TENS, EMG, APAP), two to six letters."""
    return word.isalpha() and word.isupper() and 2 <= len(word) <= 6


def abbreviation_key(low: str) -> str:
    return "#" + low


@dataclass(frozen=True)
class Term:
    text: str  # as written in the data
    words: tuple[str, ...]  # canonical words (abbreviations as "#mbb")
    procedure: str
    kind: str  # "term", "abbrev", "drug", "alias"
    drug: str = ""  # the lexicon's ingredient for a drug name
    generic: frozenset[int] = frozenset()  # positions of generic words in `words`
    capitals: frozenset[int] = frozenset()  # positions of abbreviations that must be in capitals in requests


@dataclass
class Hit:
    term: Term
    start: int  # token positions, end exclusive
    end: int
    strength: float
    tier: int
    char_start: int = 0
    char_end: int = 0
    how: str = "exact"  # exact, any order, partial, corrected
    # A partial hit of one distinctive word: where the generic words beside it are.
    support: tuple[int, ...] = ()

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class TermIndex:
    normaliser: Normaliser
    generic: set[str]  # canonical generic words
    ambiguous: set[str]  # abbreviation keys that count only in capitals (requests)
    # Canonical words of body regions: never what makes a term distinctive ("shoulder injection"
    # is not found in "shoulder surgery").
    regions: set[str] = field(default_factory=set)
    terms: list[Term] = field(default_factory=list)
    by_word: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    procedures_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def canonical_words(self, text: str) -> tuple[tuple[str, ...], frozenset[int]]:
        """A term's canonical words, and which of them are abbreviations needing capitals."""
        words: list[str] = []
        capitals = set()
        for token in self.normaliser.tokens(text):
            if is_abbreviation(token.raw):
                key = abbreviation_key(token.low)
                if key in self.ambiguous:
                    capitals.add(len(words))
                words.append(key)
            else:
                words.append(token.norm)
        return tuple(words), frozenset(capitals)

    def add(self, text: str, procedure: str, kind: str, drug: str = "") -> Term | None:
        words, capitals = self.canonical_words(text)
        if kind == "abbrev" and len(words) == 1 and not words[0].startswith("#"):
            # An abbreviation written in lower case in the data ("estim") is an abbreviation too.
            words = (abbreviation_key(text.lower()),)
        if not words:
            return None
        generic = frozenset(i for i, w in enumerate(words) if w in self.generic or w in self.regions)
        term = Term(text, words, procedure, kind, drug, generic, capitals)
        n = len(self.terms)
        self.terms.append(term)
        for w in set(words):
            self.by_word[w].append(n)
            self.procedures_of[w].add(procedure)
        return term

    # --- matching -----------------------------------------------------------------------------

    def keys(self, tokens: list[Token], capitals_needed: bool) -> list[set[str]]:
        """For each token, the canonical words it can stand for: its stem, and as an
        abbreviation its lower-case form (and without a plural "s")."""
        out = []
        for t in tokens:
            keys = {t.norm}
            if t.low.isalpha():
                # A plural "s" in lower case ("MBBs", "esis"); "CRPS" is not the plural of "CRP".
                plural = t.raw.endswith("s") and len(t.low) > 2
                for low in (t.low, t.low[:-1] if plural else None):
                    if low:
                        key = abbreviation_key(low)
                        if key in self.ambiguous and capitals_needed and not t.raw[: len(low)].isupper():
                            continue
                        keys.add(key)
            out.append(keys)
        return out

    def find(self, tokens: list[Token], capitals_needed: bool = True, corrected: set[int] | None = None) -> list[Hit]:
        """Every term found in the tokens (several hits per procedure are possible)."""
        keys = self.keys(tokens, capitals_needed)
        positions: dict[str, list[int]] = defaultdict(list)
        for i, ks in enumerate(keys):
            for k in ks:
                positions[k].append(i)
        candidates = {n for k in positions for n in self.by_word.get(k, ())}
        hits = []
        for n in candidates:
            hit = self._match(self.terms[n], positions, keys)
            if hit is None:
                continue
            if corrected and any(i in corrected for i in range(hit.start, hit.end)):
                # A corrected word is as good as written (the speller is guarded), a little weaker.
                hit.strength *= 0.9
                hit.how = "corrected" if hit.how != "partial" else "partial, corrected"
            hit.char_start = tokens[hit.start].start
            hit.char_end = tokens[hit.end - 1].end
            hits.append(hit)
        # A generic word that is part of a term found as written ("consult" in "occupational
        # medicine consult") does not also make a partial hit of one word.
        taken = {i for h in hits if h.tier == 0 for i in range(h.start, h.end)}
        return [h for h in hits if not h.support or not set(h.support) <= taken]

    def _match(self, term: Term, positions: dict[str, list[int]], keys: list[set[str]]) -> Hit | None:
        words = term.words
        n = len(words)
        present = [w in positions for w in words]
        if all(present):
            # In order, side by side?
            for start in positions[words[0]]:
                if start + n <= len(keys) and all(words[k] in keys[start + k] for k in range(n)):
                    return Hit(term, start, start + n, 1.0, 0, how="exact")
            if n > 1:
                span = _window([positions[w] for w in words])
                if span and span[1] - span[0] <= n + EXTRA_WINDOW:
                    return Hit(term, span[0], span[1], 0.9, 0, how="any order")
        if n > 1 and term.generic and len(term.generic) < n:
            distinctive = [w for i, w in enumerate(words) if i not in term.generic]
            if all(w in positions for w in distinctive):
                span = _window([positions[w] for w in distinctive])
                if span and span[1] - span[0] <= len(distinctive) + PARTIAL_WINDOW:
                    if len(distinctive) >= 2:
                        return Hit(term, span[0], span[1], 0.8, 1, how="partial")
                    support = self._support(distinctive[0], span, keys)
                    if support:
                        return Hit(term, span[0], span[1], 0.8, 1, how="partial", support=support)
        return None

    def _support(self, word: str, span: tuple[int, int], keys: list[set[str]]) -> tuple[int, ...]:
        """One distinctive word is enough when only one procedure's terms use it, it is not
        short, and a generic word stands next to it ("aquatic sessions" for "aquatic therapy";
        not "occupational medicine"): the positions of those generic words, or ()."""
        if len(word) < 5 or len(self.procedures_of.get(word, ())) != 1:
            return ()
        near = range(max(0, span[0] - 2), min(len(keys), span[1] + 2))
        return tuple(i for i in near if any(k in self.generic for k in keys[i]))


def _window(lists: list[list[int]]) -> tuple[int, int] | None:
    """The narrowest (start, end exclusive) window holding one position of each list."""
    if not lists or any(not lst for lst in lists):
        return None
    best = None
    for anchor in lists[0]:
        chosen = [anchor]
        for lst in lists[1:]:
            chosen.append(min(lst, key=lambda p: abs(p - anchor)))
        lo, hi = min(chosen), max(chosen) + 1
        if best is None or hi - lo < best[1] - best[0]:
            best = (lo, hi)
    return best
