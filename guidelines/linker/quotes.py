"""Sentences of a rationale that state what a guideline says.

    extract_quotes("... CA MTUS/ACOEM Guidelines state that X. In this case ...")
    -> [Quote(text="CA MTUS/ACOEM Guidelines state that X.", family="MTUS", page=None)]

A sentence qualifies when it attributes a statement to a guideline: "<guideline> states /
recommends / notes / indicates / supports ...", "According to <guideline>, ...", "As noted on
page 82 of the MTUS ...", "Per the ODG ...". A quotation that runs over several sentences is kept
whole. Conclusions about the case ("Therefore ... not medically necessary") are not quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_SOURCE = r"(?:MTUS|ACOEM|ODG|Official\s+Disability\s+Guidelines?|Chronic\s+Pain\s+Medical\s+Treatment\s+Guidelines?|(?:the\s+)?[Gg]uidelines?)"
_VERB = (
    r"(?:states?|stated|notes?|noted|recommends?|recommended|indicates?|indicated|supports?|suggests?|"
    r"stipulates?|acknowledges?|requires?|endorses?|allows?|specif(?:y|ies)|says|mentions?|reserves?|"
    r"advises?|defines?|describes?|considers?|outlines?|establishes?|limits?|cautions?|"
    r"do(?:es)?\s+not\s+(?:recommend|support|endorse)|(?:is|are)\s+(?:not\s+)?recommended)"
)
_ATTRIBUTED = re.compile(rf"\b{_SOURCE}\b[^.;]{{0,160}}?\b{_VERB}\b", re.I)
_ACCORDING = re.compile(
    rf"\b(?:according\s+to|per|as\s+(?:noted|stated|outlined|discussed|described|recommended)\s+(?:in|on|by)|"
    rf"in\s+accordance\s+with|consistent\s+with)\b[^.;]{{0,160}}?\b{_SOURCE}",
    re.I,
)
_CONCLUSION = re.compile(
    r"^(?:therefore|thus|hence|as\s+such|consequently|in\s+this\s+case|here|given|based\s+on\s+the\s+(?:above|documentation))\b"
    r"|medically\s+(?:necessary|appropriate|indicated)|\bthis\s+request\b|\bthe\s+request\b",
    re.I,
)
_FAMILIES = (
    ("ODG", re.compile(r"\bODG\b|Official\s+Disability", re.I)),
    ("ACOEM", re.compile(r"\bACOEM\b", re.I)),
    ("MTUS", re.compile(r"\bMTUS\b|Chronic\s+Pain\s+Medical\s+Treatment", re.I)),
)
_PAGE = re.compile(r"\bpages?\s+(\d+)", re.I)
# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = re.compile(
    r"\b(?:e\.g|i\.e|etc|vs|Dr|Drs|Mr|Mrs|Ms|No|pg|pgs|pp|p|Fig|al|approx|min|max|Jr|Sr|St|ed|Vol|Ch)\.",
    re.I,
)
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"\u201d')\]]))\s+(?=[\"\u201c(]?[A-Z0-9])")
_PLACEHOLDER = "\u2024"  # one-dot leader, stands in for an abbreviation's period while splitting
MAX_QUOTE_SENTENCES = 8


@dataclass
class Quote:
    text: str
    family: Optional[str]  # "MTUS", "ACOEM", "ODG" or None ("the guidelines")
    page: Optional[int] = None


def split_sentences(text: str) -> list[str]:
    text = " ".join((text or "").split())
    if not text:
        return []
    protected = _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1] + _PLACEHOLDER, text)
    protected = re.sub(r"(?<=\d)\.(?=\d)", _PLACEHOLDER, protected)  # 3.3.1, 0.5 mg
    parts = [p.strip() for p in _SENTENCE_END.split(protected) if p.strip()]
    return [p.replace(_PLACEHOLDER, ".") for p in parts]


def _open_quote(sentence: str) -> bool:
    straight = sentence.count('"')
    return straight % 2 == 1 or sentence.count("\u201c") > sentence.count("\u201d")


def _closes_quote(sentence: str) -> bool:
    return '"' in sentence or "\u201d" in sentence


def is_guideline_statement(sentence: str) -> bool:
    if _CONCLUSION.search(sentence):
        return False
    return bool(_ATTRIBUTED.search(sentence) or _ACCORDING.search(sentence))


def family_of(sentence: str) -> Optional[str]:
    """The family the statement is attributed to: "According to <X>" names X; otherwise the
    family named last before the reporting verb ("MTUS makes no recommendation ..., however ODG
    recommends ..." is ODG's statement)."""
    mentions = sorted((m.start(), fam) for fam, rx in _FAMILIES for m in rx.finditer(sentence))
    if not mentions:
        return None
    according = _ACCORDING.search(sentence)
    if according:
        inside = [fam for pos, fam in mentions if according.start() <= pos < according.end()]
        if inside:
            return inside[0]
    attributed = _ATTRIBUTED.search(sentence)
    if attributed:
        before = [fam for pos, fam in mentions if pos < attributed.end()]
        if before:
            return before[-1]
    return mentions[0][1]


def extract_quotes(rationale: str) -> list[Quote]:
    sentences = split_sentences(rationale)
    quotes: list[Quote] = []
    i = 0
    while i < len(sentences):
        sentence = sentences[i]
        if not is_guideline_statement(sentence):
            i += 1
            continue
        parts = [sentence]
        if _open_quote(sentence):
            j = i + 1
            while j < len(sentences) and len(parts) < MAX_QUOTE_SENTENCES:
                parts.append(sentences[j])
                j += 1
                if _closes_quote(sentences[j - 1]):
                    break
            i = j
        else:
            i += 1
        text = " ".join(parts)
        page = _PAGE.search(text)
        quotes.append(Quote(text=text, family=family_of(text), page=int(page.group(1)) if page else None))
    return quotes
