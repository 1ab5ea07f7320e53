"""Request words, normalised: what the recogniser compares instead of raw phrases.

A text becomes a list of Tokens, each with its raw spelling, its place in the text and a
canonical form that the taxonomy's terms are put through too:

- lower case; letters and digits are separate tokens ("325mg" -> "325" "mg", "L4-5" -> "l" "4"
  "5"), so hyphens, slashes and spacing never matter ("x-ray" = "x ray");
- clipped forms written out ("chiro" -> "chiropractic", "rehab" -> "rehabilitation"), from the
  data file's `clipped` table;
- compounds split into the words the vocabulary knows ("shockwave" -> "shock" "wave" when a term
  says "shock wave"), or two words joined when the vocabulary only knows the compound;
- inflections removed by the English Snowball stemmer ("therapies" = "therapy",
  "injections" = "injection", "testing" = "test").

Word order and misspellings are the matcher's business (procedures.taxonomy.terms and
.spelling); this module only says what a word is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

TOKEN_RE = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?")


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word (numbers stay as they are)."""
    if not word.isalpha():
        return word
    return _stemmer().stemWord(word)


@dataclass(frozen=True)
class Token:
    raw: str  # as written
    start: int  # character offsets in the text
    end: int
    norm: str  # canonical: lower case, clipped form written out, stemmed
    low: str  # lower case, before stemming (what spelling correction and joins look at)
    corrected: bool = False  # norm comes from a spelling correction


def raw_tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text or "")]


class Normaliser:
    """Canonical tokens for texts and terms, knowing the vocabulary (every word of every term):
    compounds are split or joined towards the words the vocabulary uses."""

    def __init__(self, clipped: dict[str, str], vocabulary_words: set[str], adjacent_pairs: set[tuple[str, str]]):
        self.clipped = {k.lower(): v.lower() for k, v in clipped.items()}
        self.words = {w.lower() for w in vocabulary_words}
        self.pairs = adjacent_pairs  # (a, b) written next to each other in some term ("x", "ray")
        self.stems = {stem(w) for w in self.words}
        self._splits: dict[str, tuple[str, str] | None] = {}
        # Set by the loader: a misspelt word is corrected rather than split ("lidocane" is
        # "lidocaine", not "lido" + "cane").
        self.speller = None

    def split(self, low: str) -> tuple[str, str] | None:
        """A compound the vocabulary knows as two words: "shockwave" -> ("shock", "wave")."""
        if low in self._splits:
            return self._splits[low]
        found = None
        unknown = low not in self.words
        if unknown and self.speller is not None and self.speller.correct(low):
            self._splits[low] = None
            return None
        if low.isalpha() and len(low) >= 5:
            for i in range(1, len(low) - 2):
                left, right = low[:i], low[i:]
                short = len(left) < 3
                if left in self.words and (right in self.words or stem(right) in self.stems):
                    if not short or (left, right) in self.pairs or (left, stem(right)) in self.pairs:
                        found = (left, right)
                        break
        self._splits[low] = found
        return found

    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        raw = raw_tokens(text)
        i = 0
        while i < len(raw):
            word, start, end = raw[i]
            low = word.lower()
            if word.isupper() and len(word) <= 6:
                # An abbreviation (MBB, ESWT) is never joined or split (a clipped form in
                # capitals, "CHIRO", is still written out).
                out.append(Token(word, start, end, stem(self.clipped.get(low, low)), low))
                i += 1
                continue
            low = self.clipped.get(low, low)
            # Two words the vocabulary only knows joined ("tool kit" when a term says "toolkit").
            if i + 1 < len(raw) and low.isalpha() and raw[i + 1][0].isalpha():
                nxt = raw[i + 1][0].lower()
                joined = low + nxt
                if (
                    joined in self.words
                    and self.split(joined) is None
                    and not (low in self.words and nxt in self.words and (low, nxt) in self.pairs)
                ):
                    out.append(Token(text[start : raw[i + 1][2]], start, raw[i + 1][2], stem(joined), joined))
                    i += 2
                    continue
            parts = None if (low in self.words and self.split(low) is None) else self.split(low)
            if parts:
                left, right = parts
                cut = start + len(left) if len(word) == len(left) + len(right) else end
                out.append(Token(word[: len(left)], start, cut, stem(left), left))
                out.append(Token(word[len(left) :], cut, end, stem(right), right))
            else:
                out.append(Token(word, start, end, stem(low), low))
            i += 1
        return out

    def canonical(self, text: str) -> tuple[str, ...]:
        """The canonical words of a term or name."""
        return tuple(t.norm for t in self.tokens(text))
