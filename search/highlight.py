"""Highlighted snippets of letter text for a query: pure Python, the same for both engines.

    snippet(text, words=["radiculopathy"], phrases=["medial branch block"]) -> "…escaped <mark>…"

Typed words are marked where a word of the text has the same English (Snowball) stem, as the
engines match them; phrases (the taxonomy's synonyms) are marked where the whole phrase occurs,
as the taxonomy matches it, so the synonym "positional MRI" marks "positional MRI" and never
"positive". A snippet starts at the beginning of the sentence or clause holding the first mark.
Everything is HTML-escaped before the <mark> tags are added.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import snowballstemmer

from procedures.taxonomy.matching import BOUNDARY_AFTER, BOUNDARY_BEFORE, phrase_regex

WORD_RE = re.compile(r"[^\W_]+")
# Where a sentence starts (after . ; : ! ? and a space, or a line break), and where a clause
# does (after a comma or a dash).
SENTENCE_START = re.compile(r"(?:[.;:!?]\s+|\n\s*)")
CLAUSE_START = re.compile(r"(?:,\s+|\s[-–—]\s+)")
SNIPPET_CHARS = 240
LOOK_BACK = 300  # how far back from the first mark a sentence or clause start is looked for
AFTER_MARK = 120  # at least this much text after the first mark


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


@lru_cache(maxsize=512)
def _phrases_regex(phrases: tuple[str, ...]) -> re.Pattern:
    """One pattern for all the phrases (a search has a dozen synonyms; one pass over the text
    instead of one a phrase), longest first so "facet joint injection" wins over "facet"."""
    ordered = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    # The word boundaries once around the alternation, not in each alternative: Python's re
    # then tries the alternatives only where a word starts (3x faster on a rationale).
    bodies = [phrase_regex(p)[len(BOUNDARY_BEFORE) : -len(BOUNDARY_AFTER)] for p in ordered]
    return re.compile(f"{BOUNDARY_BEFORE}(?:{'|'.join(bodies)}){BOUNDARY_AFTER}", re.IGNORECASE)


@lru_cache(maxsize=256)
def _candidates(stems: frozenset[str]) -> re.Pattern:
    """Words that may share one of the stems: a stem is a prefix of its words but for its last
    letter ("radiculopathy" -> "radiculopathi"), so only words starting with that are stemmed."""
    prefixes = sorted({re.escape(s[:-1] if len(s) > 3 else s) for s in stems}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(prefixes) + r")[^\W_]*", re.IGNORECASE)


def spans(text: str, words: list[str], phrases: list[str]) -> list[tuple[int, int]]:
    """Character spans to mark, sorted, overlaps joined."""
    found = []
    stems = frozenset(stem(w) for word in words for w in WORD_RE.findall(word))
    if stems:
        found += [m.span() for m in _candidates(stems).finditer(text) if stem(m.group()) in stems]
    if any(p.strip() for p in phrases):
        found += [m.span() for m in _phrases_regex(tuple(phrases)).finditer(text)]
    out: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def mark(text: str, marks: list[tuple[int, int]]) -> str:
    """HTML-escape `text` and wrap the (start, end) spans in <mark>, escaping first."""
    out, pos = [], 0
    for start, end in marks:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _window(text: str, marks: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """Where the snippet starts and ends: at the clause holding the first mark, or a little
    before it when that clause began long ago; the end at a word boundary."""
    first = marks[0][0]
    start = 0
    if first > 40:
        lo = max(0, first - LOOK_BACK)
        sentences = [m.end() for m in SENTENCE_START.finditer(text, lo, first)]
        clauses = [m.end() for m in CLAUSE_START.finditer(text, lo, first)]
        if sentences:
            start = sentences[-1]
        elif clauses:
            start = clauses[-1]
        elif lo > 0:
            space = text.find(" ", lo, first)
            start = space + 1 if space >= 0 else lo
    end = min(len(text), max(start + size, marks[0][1] + AFTER_MARK))
    if end < len(text):
        space = text.rfind(" ", marks[0][1], end)
        end = space if space > 0 else end
    return start, end


def snippet(text: str, words: list[str], phrases: list[str], size: int = SNIPPET_CHARS) -> str:
    """One escaped snippet with the matches marked, or "" when nothing in `text` matches."""
    text = text or ""
    marks = spans(text, words, phrases)
    if not marks:
        return ""
    start, end = _window(text, marks, size)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in marks if s < end and e > start]
    body = mark(" ".join(text[start:end].split("\n")), inside)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
