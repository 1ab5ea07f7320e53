"""Typos in a query: "lumbr mri" -> "lumbar mri", and the procedure names nearest a query that
found nothing. Pure Python over a vocabulary: the taxonomy's words (procedures, synonyms,
regions) and the medical word list the letter parser uses (cases/parser/data/words.txt)."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

from procedures.taxonomy import Taxonomy, default_taxonomy

WORDS_FILE = Path(__file__).resolve().parent.parent / "cases" / "parser" / "data" / "words.txt"
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'/-]*|\d+")
MIN_LENGTH = 4  # shorter words are abbreviations or too ambiguous to correct


@lru_cache(maxsize=1)
def vocabulary(taxonomy: Taxonomy | None = None) -> frozenset[str]:
    tax = taxonomy or default_taxonomy()
    words: set[str] = set()
    phrases = [p.name for p in tax.procedures] + list(tax.categories)
    for p in tax.procedures:
        phrases += p.terms + p.abbrevs + p.expand + p.drug_names
    for r in tax.regions:
        phrases += [r.name, *r.terms]
    for phrase in phrases:
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", phrase))
    if WORDS_FILE.exists():
        words.update(w.strip().lower() for w in WORDS_FILE.read_text(encoding="utf-8").split() if w.strip())
    return frozenset(words)


def correct(query: str) -> str | None:
    """The query with each unknown word replaced by the closest known one, or None when no
    word needed (or found) a correction."""
    known = vocabulary()
    changed = False
    out = []
    for token in re.split(r"(\s+)", query):
        word = token.lower()
        if len(word) >= MIN_LENGTH and word.isalpha() and word not in known:
            close = difflib.get_close_matches(word, known, n=1, cutoff=0.8)
            if close:
                out.append(close[0])
                changed = True
                continue
        out.append(token)
    return "".join(out) if changed else None


@lru_cache(maxsize=1)
def _procedure_names() -> dict[str, str]:
    """lower-cased name or synonym -> canonical procedure name."""
    tax = default_taxonomy()
    names = {}
    for p in tax.procedures:
        for phrase in [p.name, *p.terms, *p.abbrevs, *p.drug_names]:
            names.setdefault(phrase.lower(), p.name)
    return names


def nearest_procedures(query: str, n: int = 5) -> list[str]:
    """Canonical procedure names whose name or a synonym is closest to the query (or to one of
    its words), best first."""
    names = _procedure_names()
    keys = list(names)
    candidates = difflib.get_close_matches(query.lower().strip(), keys, n=n * 3, cutoff=0.5)
    for word in query.lower().split():
        if len(word) >= 3:
            candidates += difflib.get_close_matches(word, keys, n=3, cutoff=0.7)
    out: list[str] = []
    for key in candidates:
        if names[key] not in out:
            out.append(names[key])
    return out[:n]
